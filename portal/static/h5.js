/* The citizen pages: the login code, and the filing form (photos with progress and retry,
   location, hints as the citizen types, one submission per tap). Small and dependency-free. */
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";
  function $(id) { return document.getElementById(id); }
  function say(el, text, good) { el.textContent = text; el.className = "msg " + (good ? "good" : "bad"); }

  /* copy the tracking number and query code */
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (b) {
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-copy");
      (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject())
        .then(function () { b.textContent = "已复制"; }, function () { b.textContent = "请长按编号复制"; });
    });
  });

  /* login: the SMS code */
  var send = $("send-code");
  if (send && $("login-form")) {
    send.addEventListener("click", function () {
      var phone = $("phone").value.trim();
      if (!/^1[3-9]\d{9}$/.test(phone)) { say($("code-msg"), "请输入 11 位手机号"); return; }
      send.disabled = true;
      fetch("/h5/login/code", {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({phone: phone}), credentials: "same-origin"})
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
        .then(function (r) {
          say($("code-msg"), r.ok ? "验证码已发送，5 分钟内有效" : r.body.message, r.ok);
          var left = r.ok ? 60 : 0;
          var t = setInterval(function () {
            if (left <= 0) { clearInterval(t); send.disabled = false; send.textContent = "获取验证码"; return; }
            send.textContent = left + " 秒后重发"; left -= 1;
          }, 1000);
        }, function () { send.disabled = false; say($("code-msg"), "网络异常，请重试"); });
    });
  }

  var form = $("file-form");
  if (!form) { return; }

  /* categories follow the kind */
  function kind() { var k = form.querySelector("[name=kind]:checked"); return k ? k.value : ""; }
  function filterCategories() {
    var k = kind(), select = $("category_code");
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) { return; }
      var ok = !k || (" " + o.getAttribute("data-kinds") + " ").indexOf(" " + k + " ") >= 0;
      o.hidden = !ok; o.disabled = !ok;
      if (!ok && o.selected) { select.value = ""; }
    });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "kind") { filterCategories(); hints(); } });
  filterCategories();

  /* hints as the citizen types: never blocking */
  var timer = null;
  function hints() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = $("content").value.trim();
      if (q.length < 4) { $("hints").innerHTML = ""; return; }
      var p = new URLSearchParams({q: q.slice(0, 200), kind: kind(), category_code: $("category_code").value});
      if ($("lat").value) { p.set("lat", $("lat").value); p.set("lng", $("lng").value); }
      fetch("/h5/file/hints?" + p.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { $("hints").innerHTML = html; }, function () {});
    }, 500);
  }
  $("content").addEventListener("input", hints);

  /* inside WeChat with the JS-SDK on: wx.getLocation and wx.chooseImage/uploadImage once
     wx.config is accepted; until then, or if it is refused, the browser's own inputs */
  var wxOn = false, wxCfg = $("wx-config");
  if (wxCfg && window.wx) {
    try {
      var c = JSON.parse(wxCfg.textContent);
      window.wx.config({debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
        signature: c.signature, jsApiList: c.jsApiList});
      window.wx.ready(function () { wxOn = true; form.setAttribute("data-wx", "ready"); });
      window.wx.error(function () { wxOn = false; form.setAttribute("data-wx", "refused"); });
    } catch (e) { /* the browser's inputs stay */ }
  }

  /* photos: each uploaded at once, with progress; a failed one offers 重试 */
  var ids = [];
  function syncIds() { $("photo_ids").value = ids.filter(Boolean).join(","); }
  function row(name) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="name"></span><progress max="1" value="0"></progress><span class="msg">上传中…</span>';
    li.querySelector(".name").textContent = name;
    $("photos").appendChild(li);
    return li;
  }
  function done(li, body) {
    li.querySelector("progress").value = 1; say(li.querySelector(".msg"), "已上传", true);
    li.setAttribute("data-id", body.id); ids.push(String(body.id)); syncIds();
  }
  function failed(li, text, again) {
    var msg = li.querySelector(".msg");
    say(msg, text + "，");
    var retry = document.createElement("button");
    retry.type = "button"; retry.className = "btn secondary small"; retry.textContent = "重试";
    retry.addEventListener("click", function () { retry.remove(); say(msg, "上传中…", true); again(); });
    msg.appendChild(retry);
  }
  function answer(status, text, li, again) {
    var body = {};
    try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
    if (status === 201) { done(li, body); } else { failed(li, body.message || "上传失败", again); }
  }
  function upload(file, li) {
    var bar = li.querySelector("progress");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/h5/photos");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = e.loaded / e.total; } };
    xhr.onload = function () { answer(xhr.status, xhr.responseText, li, function () { upload(file, li); }); };
    xhr.onerror = function () { failed(li, "网络异常", function () { upload(file, li); }); };
    var data = new FormData(); data.append("file", file);
    xhr.send(data);
  }
  $("photo").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) { return; }
    if ($("photos").children.length >= 9) { return; }
    upload(file, row(file.name));
    this.value = "";
  });
  /* WeChat: the photo goes to WeChat (uploadImage), then the server fetches it from there */
  function fromWeChat(serverId, li) {
    li.querySelector("progress").value = 0.5;
    fetch("/h5/photos/wechat", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({media_id: serverId})})
      .then(function (r) { return r.text().then(function (t) { answer(r.status, t, li, function () { fromWeChat(serverId, li); }); }); },
            function () { failed(li, "网络异常", function () { fromWeChat(serverId, li); }); });
  }
  function toWeChat(localId, li, then) {  /* one at a time: WeChat refuses parallel uploads */
    window.wx.uploadImage({localId: localId, isShowProgressTips: 0,
      success: function (res) { fromWeChat(res.serverId, li); then(); },
      fail: function () { failed(li, "上传失败", function () { toWeChat(localId, li, function () {}); }); then(); }});
  }
  document.querySelector("label[for=photo]").addEventListener("click", function (e) {
    if (!wxOn) { return; }
    e.preventDefault();
    var room = 9 - $("photos").children.length;
    if (room <= 0) { return; }
    window.wx.chooseImage({count: room, sizeType: ["compressed"], sourceType: ["album", "camera"],
      success: function (res) {
        var queue = (res.localIds || []).slice(0, room);
        (function next() {
          var id = queue.shift();
          if (id) { toWeChat(id, row("照片 " + ($("photos").children.length + 1)), next); }
        })();
      }});
  });

  /* location from WeChat or the browser, or the address typed */
  function located(lat, lng) {
    $("lat").value = Number(lat).toFixed(6); $("lng").value = Number(lng).toFixed(6);
    say($("loc-msg"), "已获取位置（" + $("lat").value + "，" + $("lng").value + "）", true);
    hints();
  }
  $("locate").addEventListener("click", function () {
    if (wxOn) {
      say($("loc-msg"), "正在定位…", true);
      window.wx.getLocation({type: "wgs84",
        success: function (res) { located(res.latitude, res.longitude); },
        fail: function () { say($("loc-msg"), "定位失败，请直接填写地址"); },
        cancel: function () { say($("loc-msg"), "未允许定位，请直接填写地址"); }});
      return;
    }
    if (!navigator.geolocation) { say($("loc-msg"), "无法定位，请直接填写地址"); return; }
    say($("loc-msg"), "正在定位…", true);
    navigator.geolocation.getCurrentPosition(function (pos) {
      located(pos.coords.latitude, pos.coords.longitude);
    }, function () { say($("loc-msg"), "定位失败，请直接填写地址"); }, {timeout: 10000});
  });

  /* one submission per tap; the idempotency key covers a dropped connection's retry */
  form.addEventListener("submit", function (e) {
    if (form.getAttribute("data-sent")) { e.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    $("submit").textContent = "正在提交…";
    setTimeout(function () { $("submit").disabled = true; }, 0);
  });
})();
