/* The kiosk: idle reset ("还在吗？"), one question per screen, the on-screen keypad, the phone's
   SMS code, one submission per tap. Nothing is kept in the browser between citizens. */
(function () {
  "use strict";
  var body = document.body;
  document.documentElement.classList.add("js");
  try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage off */ }

  /* -- idle: after data-idle seconds without a touch ask, then go back to the start -- */
  var idleS = parseInt(body.getAttribute("data-idle"), 10) || 60;
  var confirmS = parseInt(body.getAttribute("data-confirm"), 10) || 10;
  var box = document.getElementById("idle"), count = document.getElementById("idle-n");
  var idleTimer = null, tick = null, left = 0;
  function leave() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-wipe]"), function (el) {
      el.textContent = "";
    });
    window.dispatchEvent(new Event("kiosk-leave"));
    Array.prototype.forEach.call(document.forms, function (f) { f.reset(); });
    Array.prototype.forEach.call(document.querySelectorAll("input[type=hidden]"),
      function (i) { i.value = ""; });
    location.replace("/kiosk/");
  }
  function arm() {
    clearTimeout(idleTimer);
    if (!box.hidden) { return; }
    idleTimer = setTimeout(ask, idleS * 1000);
  }
  function ask() {
    left = confirmS; count.textContent = left; box.hidden = false;
    document.getElementById("idle-stay").focus();
    tick = setInterval(function () {
      left -= 1; count.textContent = left;
      if (left <= 0) { clearInterval(tick); leave(); }
    }, 1000);
  }
  if (!body.hasAttribute("data-start")) {
    document.getElementById("idle-stay").addEventListener("click", function () {
      clearInterval(tick); box.hidden = true; arm();
    });
    ["pointerdown", "keydown", "input", "touchstart"].forEach(function (t) {
      document.addEventListener(t, function () { if (box.hidden) { arm(); } }, true);
    });
    arm();
  }
  window.addEventListener("pageshow", function (ev) { if (ev.persisted) { location.reload(); } });

  /* -- the on-screen keypad types into the last focused keypad field -- */
  var target = document.querySelector("[data-keypad]");
  Array.prototype.forEach.call(document.querySelectorAll("[data-keypad]"), function (i) {
    i.addEventListener("focus", function () { target = i; });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".key"), function (k) {
    k.addEventListener("click", function () {
      if (!target) { return; }
      var key = k.getAttribute("data-key");
      if (key === "back") { target.value = target.value.slice(0, -1); }
      else if (key === "clear") { target.value = ""; }
      else if (target.value.length < (target.maxLength > 0 ? target.maxLength : 30)) {
        target.value += key;
      }
      target.dispatchEvent(new Event("input", {bubbles: true}));
    });
  });

  /* -- printing the receipt -- */
  var printBtn = document.getElementById("print");
  if (printBtn) { printBtn.addEventListener("click", function () { window.print(); }); }

  /* -- filing: one question per screen -- */
  var form = document.getElementById("file-form");
  if (!form) { return; }
  var steps = form.querySelectorAll(".step"), at = 0;
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var stepMsg = document.getElementById("step-msg"), phoneMsg = document.getElementById("phone-msg");
  function value(name) {
    var el = form.querySelector("[name=" + name + "]:checked") || form.elements[name];
    return el && el.value ? el.value.trim() : "";
  }
  function filterCategories() {
    var kind = value("kind");
    Array.prototype.forEach.call(form.querySelectorAll(".cats .option"), function (o) {
      var ok = !kind || (" " + o.getAttribute("data-kinds") + " ").indexOf(" " + kind + " ") >= 0;
      o.hidden = !ok;
      if (!ok) { o.querySelector("input").checked = false; }
    });
  }
  function show(i) {
    at = i;
    Array.prototype.forEach.call(steps, function (s, j) { s.classList.toggle("current", j === i); });
    prev.style.visibility = i === 0 ? "hidden" : "visible";
    next.style.display = i === steps.length - 1 ? "none" : "";
    stepMsg.textContent = ""; stepMsg.className = "msg";
    if (i === 1) { filterCategories(); }
    if (i === 3) { target = document.getElementById("phone"); }
    if (steps[i].getAttribute("data-step") === "idcard" && card) { card.focus(); }
  }
  function problem() {
    if (at === 0 && !value("kind")) { return "请选择问题类型"; }
    if (at === 1 && !value("category_code")) { return "请选择问题所属方面"; }
    if (at === 2 && value("content").length < 5) { return "问题描述请至少写 5 个字"; }
    if (at === 3 && !document.getElementById("proof").value) { return "请先获取并验证短信验证码"; }
    return "";
  }
  next.addEventListener("click", function () {
    var p = problem();
    if (p) { stepMsg.textContent = p; stepMsg.className = "msg bad"; return; }
    show(at + 1);
  });
  prev.addEventListener("click", function () { if (at > 0) { show(at - 1); } });
  function post(path, data) {
    return fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(data), credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); });
  }
  function say(text, good) { phoneMsg.textContent = text; phoneMsg.className = "msg " + (good ? "good" : "bad"); }
  var phone = document.getElementById("phone");
  document.getElementById("send-code").addEventListener("click", function () {
    if (!/^1[3-9]\d{9}$/.test(phone.value)) { say("请输入 11 位手机号"); return; }
    var btn = this; btn.disabled = true;
    post("/kiosk/sms-code", {phone: phone.value}).then(function (r) {
      say(r.ok ? "验证码已发送，请查看短信" : r.body.message, r.ok);
      setTimeout(function () { btn.disabled = false; }, r.ok ? 60000 : 0);
      if (r.ok) { target = document.getElementById("sms"); }
    }, function () { btn.disabled = false; say("网络异常，请重试"); });
  });
  document.getElementById("check-code").addEventListener("click", function () {
    var code = document.getElementById("sms").value;
    if (!/^\d{6}$/.test(code)) { say("请输入 6 位验证码"); return; }
    post("/kiosk/verify-phone", {phone: phone.value, code: code}).then(function (r) {
      if (r.ok) {
        document.getElementById("proof").value = r.body.proof;
        say("手机号 " + r.body.phone_masked + " 已验证", true);
      } else { say(r.body.message); }
    }, function () { say("网络异常，请重试"); });
  });
  /* -- the optional real-name: the ID-card reader's agent types "name<Tab>number<Enter>" into
     the focused field; what it types stays in this variable, never in the page, and only the
     masked reply is shown -- */
  var card = document.getElementById("card"), typed = "";
  function cardSay(text, good) {
    var m = document.getElementById("card-msg"); m.textContent = text; m.className = "msg " + (good ? "good" : "bad");
  }
  function readCard(line) {
    var parts = line.split(/\t|\|/);
    var name = (parts[0] || "").trim(), number = (parts[1] || "").trim();
    if (!name || !number) { cardSay("未能读取身份证信息，请重新放置身份证"); return; }
    cardSay("正在核验…", true);
    post("/kiosk/real-name", {proof: document.getElementById("proof").value, name: name, id_number: number})
      .then(function (r) {
        if (!r.ok) { cardSay(r.body.message || "未能读取身份证信息，请重新放置身份证"); card.focus(); return; }
        document.getElementById("card-name").textContent = r.body.name_masked;
        document.getElementById("card-id").textContent = r.body.id_number_masked;
        document.getElementById("reader").hidden = true;
        document.getElementById("card-done").hidden = false;
      }, function () { cardSay("网络异常，请重新放置身份证"); card.focus(); });
  }
  if (card) {
    card.addEventListener("input", function () { typed += card.value; card.value = ""; });
    card.addEventListener("keydown", function (e) {
      if (e.key === "Tab") { e.preventDefault(); typed += "\t"; }
      else if (e.key === "Enter") { e.preventDefault(); var line = typed; typed = ""; readCard(line); }
    });
    document.getElementById("reader").addEventListener("click", function () { card.focus(); });
    window.addEventListener("kiosk-leave", function () { typed = ""; });
  }

  form.addEventListener("submit", function (ev) {
    if (form.getAttribute("data-sent")) { ev.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    var b = document.getElementById("submit"); b.textContent = "正在提交…";
    setTimeout(function () { b.disabled = true; }, 0);
  });
  show(document.getElementById("form-error") ? 0 : 0);
})();
