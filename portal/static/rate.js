/* The rating link: the token rides in the fragment (#t=...), which no browser sends; it is
   taken out of the address bar and posted in the request body. One tap on a face rates. */
(function () {
  "use strict";
  var box = document.getElementById("rate");
  var no = box.getAttribute("data-no");
  var m = /(?:^#|&)t=([A-Za-z0-9._\-]+)/.exec(location.hash);
  var token = m ? m[1] : (sessionStorage.getItem("rate:" + no) || "");
  if (m) {
    sessionStorage.setItem("rate:" + no, token);
    history.replaceState(null, "", location.pathname);
  }
  function show(html) { box.innerHTML = html; bind(); }
  function post(path, body) {
    return fetch(path, {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body), credentials: "omit"
    }).then(function (r) { return r.text(); });
  }
  function fail() {
    show('<div class="card warn"><h2>网络不太好</h2><p>请检查网络后刷新页面重试。</p></div>');
  }
  function bind() {
    var form = document.getElementById("rate-form");
    if (!form) { return; }
    var busy = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = ev.submitter;
      if (busy || !button) { return; }
      busy = true;
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      button.classList.add("chosen");
      post("/h5/cases/" + no + "/rate", {
        token: token, score: parseInt(button.value, 10),
        comment: document.getElementById("comment").value
      }).then(show, fail);
    });
  }
  post("/h5/cases/" + no + "/rate/state", {token: token}).then(show, fail);
})();
