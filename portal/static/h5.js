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

  /* photos: each uploaded at once, with progress; a failed one offers 重试 */
  var ids = [];
  function syncIds() { $("photo_ids").value = ids.filter(Boolean).join(","); }
  function upload(file, li) {
    var bar = li.querySelector("progress"), msg = li.querySelector(".msg");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/h5/photos");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = e.loaded / e.total; } };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201) {
        bar.value = 1; say(msg, "已上传", true); li.setAttribute("data-id", body.id);
        ids.push(String(body.id)); syncIds();
      } else { failed(body.message || "上传失败"); }
    };
    xhr.onerror = function () { failed("网络异常"); };
    function failed(text) {
      say(msg, text + "，");
      var retry = document.createElement("button");
      retry.type = "button"; retry.className = "btn secondary small"; retry.textContent = "重试";
      retry.addEventListener("click", function () { retry.remove(); say(msg, "上传中…", true); upload(file, li); });
      msg.appendChild(retry);
    }
    var data = new FormData(); data.append("file", file);
    xhr.send(data);
  }
  $("photo").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) { return; }
    if ($("photos").children.length >= 9) { return; }
    var li = document.createElement("li");
    li.innerHTML = '<span class="name"></span><progress max="1" value="0"></progress><span class="msg">上传中…</span>';
    li.querySelector(".name").textContent = file.name;
    $("photos").appendChild(li);
    upload(file, li);
    this.value = "";
  });

  /* location from the browser, or the address typed */
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { say($("loc-msg"), "无法定位，请直接填写地址"); return; }
    say($("loc-msg"), "正在定位…", true);
    navigator.geolocation.getCurrentPosition(function (pos) {
      $("lat").value = pos.coords.latitude.toFixed(6); $("lng").value = pos.coords.longitude.toFixed(6);
      say($("loc-msg"), "已获取位置（" + $("lat").value + "，" + $("lng").value + "）", true);
      hints();
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
