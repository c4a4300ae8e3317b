// Progressive enhancement of the sign-up form: the form works without this script.
(function () {
  "use strict";
  var cn = document.getElementById("cn");
  var uid = document.getElementById("uid");
  if (!cn || !uid) { return; }

  // Suggest the shell username from the developer name until the person types a shell
  // username of their own. Accents are dropped from letters (Ünïcode -> unicode); the
  // server's suggestion also transliterates other scripts.
  var uidTyped = uid.value !== "";
  function suggest(name) {
    var plain = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    var kept = plain.toLowerCase().replace(/[^a-z0-9-]/g, "").replace(/^[^a-z]+/, "");
    return kept.slice(0, 32);
  }
  uid.addEventListener("input", function () { uidTyped = uid.value !== ""; });
  cn.addEventListener("input", function () {
    if (!uidTyped) { uid.value = suggest(cn.value); updateCounter(uid); }
  });

  // Character counters for fields with a limit.
  function updateCounter(input) {
    var counter = input.nextElementSibling;
    if (counter && counter.classList.contains("counter")) {
      counter.textContent = input.value.length + " / " + input.getAttribute("data-counter");
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-counter]"), function (input) {
    var counter = document.createElement("span");
    counter.className = "counter help";
    counter.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", counter);
    input.addEventListener("input", function () { updateCounter(input); });
    updateCounter(input);
  });

  // A new captcha image without reloading the page (and losing what was typed).
  var refresh = document.getElementById("captcha-refresh");
  if (refresh) {
    refresh.addEventListener("click", function (event) {
      event.preventDefault();
      fetch("/signup/captcha/new/", { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          document.querySelector("input[name=captcha_id]").value = body.id;
          document.getElementById("captcha-image").src = "/signup/captcha/" + body.id + ".png";
          // The recording speaks the new characters too.
          var audio = "/signup/captcha/" + body.id + ".wav";
          document.getElementById("captcha-audio-player").src = audio;
          document.getElementById("captcha-audio-download").href = audio;
          document.getElementById("captcha").value = "";
        });
    });
  }
})();
