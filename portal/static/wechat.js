/* Back from WeChat's OAuth: the tokens are in the fragment; the access token is posted once
   to open an /h5/ session, and the fragment leaves the address bar at once. */
(function () {
  "use strict";
  var m = /(?:^#|&)access_token=([^&]+)/.exec(location.hash);
  history.replaceState(null, "", location.pathname);
  var msg = document.getElementById("wx-msg");
  if (!m) { msg.textContent = "微信登录未完成，请改用手机号登录。"; return; }
  fetch("/h5/login/wechat", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({access_token: decodeURIComponent(m[1])}), credentials: "same-origin"})
    .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
    .then(function (r) {
      if (r.ok) { location.replace(r.body.next); } else { msg.textContent = r.body.message; }
    }, function () { msg.textContent = "网络异常，请刷新重试。"; });
})();
