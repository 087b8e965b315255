/* Kiosk helpers, loaded with "defer". Everything works without this file.
   Nothing here uses cookies, storage or history: the next child must find no trace. */
(function () {
  "use strict";

  var root = document.documentElement;

  // --- on a phone, "Menu" holds help, stop and text size; on a tablet they are all in view ---
  var more = document.querySelector(".kiosk-actions details.more");
  if (more && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 39.99rem)");
    var fold = function () {
      more.open = !narrow.matches;
    };
    fold();
    if (narrow.addEventListener) narrow.addEventListener("change", fold);
  }

  // --- text size: for this page only, never stored ---------------------------------------------
  var SIZES = ["", "text-large", "text-larger"];
  var size = 0;
  var sizeControl = document.querySelector(".text-size");
  if (sizeControl) {
    var sizeButtons = sizeControl.querySelectorAll("button[data-text-size]");
    var showSize = function () {
      SIZES.forEach(function (name) {
        if (name) root.classList.toggle(name, name === SIZES[size]);
      });
    };
    Array.prototype.forEach.call(sizeButtons, function (button) {
      button.addEventListener("click", function () {
        size = Math.max(0, Math.min(SIZES.length - 1, size + parseInt(button.dataset.textSize, 10)));
        showSize();
      });
    });
    sizeControl.hidden = false;
  }

  // --- the start screen speaks the language a child chooses, at once -------------------------
  // A fresh start screen in that language (?language=, not remembered: Start posts the choice).
  // replace() keeps the back button from stepping through every language tried.
  // A child who tapped a language before this script arrived (a slow tablet) is switched too.
  var languages = document.querySelector("fieldset.languages[data-switch]");
  if (languages) {
    var switchTo = function (code) {
      if (!code || code === root.lang) return;
      window.location.replace(window.location.pathname + "?language=" + encodeURIComponent(code));
    };
    languages.addEventListener("change", function (event) {
      switchTo(event.target.value);
    });
    var chosen = languages.querySelector("input:checked");
    if (chosen) switchTo(chosen.value);
  }

  // --- counting down in the page's language: a template per plural category (server-made) ---
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  function countdownText(element, number) {
    var templates = JSON.parse(element.dataset.templates || "{}");
    var category = pluralRules ? pluralRules.select(number) : (number === 1 ? "one" : "other");
    var template = templates[category] || templates.other || "";
    return template.replace("{n}", String(number));
  }

  // --- wiping: the "Stop and clear" form, used by the idle countdown too ----------------------
  var resetForm = document.querySelector("form[data-kiosk-reset]");

  function forgetPage() {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      form.reset();
    });
    Array.prototype.forEach.call(document.querySelectorAll(".review"), function (review) {
      review.textContent = "";
    });
  }

  function wipe() {
    forgetPage();
    if (resetForm) resetForm.submit();
  }

  // Leaving the page (sending, a link, the back button) leaves no answers in it.
  window.addEventListener("pagehide", forgetPage);

  // --- "This child would like to talk to you": shown here, sent nowhere -----------------------
  // With JavaScript the signal is laid over the page and nothing leaves the tablet: no request,
  // no storage. "Carry on" closes it (and lets the questionnaire go on); "Stop" wipes as usual.
  var signal = document.getElementById("talk-signal");
  var afterSignal = null;
  var lastFocus = null;

  function showSignal(then) {
    if (!signal) return;
    afterSignal = then || null;
    lastFocus = document.activeElement;
    Array.prototype.forEach.call(document.querySelectorAll(".kiosk-actions details:not(.more)"), function (help) {
      help.open = false;
    });
    signal.hidden = false;
    signal.focus();
    restartIdle(); // stops the idle timer while the signal is up
  }

  function closeSignal() {
    signal.hidden = true;
    var then = afterSignal;
    afterSignal = null;
    if (then) then();
    else if (lastFocus && lastFocus.focus) lastFocus.focus();
    restartIdle();
  }

  if (signal) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-talk-show]"), function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        showSignal();
      });
    });
    signal.querySelector("[data-talk-close]").addEventListener("click", function (event) {
      event.preventDefault();
      closeSignal();
    });
  }
  window.KioskTalk = { show: showSignal };

  // --- idle: "Are you still there?", then a wipe back to the start screen ---------------------
  // Never while the signal is up: the child is waiting for the inspector.
  var restartIdle = function () {};
  var idle = document.getElementById("idle");
  if (idle && resetForm && typeof idle.showModal === "function") {
    var idleSeconds = parseInt(idle.dataset.idleSeconds, 10);
    var countdownSeconds = parseInt(idle.dataset.countdownSeconds, 10);
    var countNote = idle.querySelector(".idle__count");
    var stay = document.getElementById("idle-stay");
    var idleTimer = null;
    var countTimer = null;
    var left = 0;

    var showCount = function () {
      countNote.textContent = countdownText(countNote, left);
    };
    var ask = function () {
      left = countdownSeconds;
      showCount();
      idle.showModal();
      stay.focus();
      countTimer = setInterval(function () {
        left -= 1;
        if (left <= 0) {
          clearInterval(countTimer);
          wipe();
          return;
        }
        showCount();
      }, 1000);
    };
    var restart = function () {
      if (idle.open) return; // only "I'm still here" closes the question
      clearTimeout(idleTimer);
      if (signal && !signal.hidden) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(ask, idleSeconds * 1000);
    };
    var carryOn = function () {
      clearInterval(countTimer);
      if (idle.open) idle.close();
      restart();
    };
    stay.addEventListener("click", carryOn);
    idle.addEventListener("cancel", function (event) {
      event.preventDefault(); // Escape also means "I'm still here"
      carryOn();
    });
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true, capture: true });
    });
    restartIdle = restart;
    restart();
  }

  // --- thanks screen: back to the start after a visible countdown the child can stop ----------
  // (WCAG 2.2.1: a time limit the user can turn off).
  var note = document.getElementById("return-note");
  if (note && note.dataset.returnAfter) {
    var seconds = parseInt(note.dataset.returnAfter, 10);
    var wait = document.getElementById("return-wait");
    note.hidden = false;
    wait.hidden = false;
    var timer = setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) {
        clearInterval(timer);
        window.location.replace(note.dataset.returnTo);
        return;
      }
      note.textContent = countdownText(note, seconds);
    }, 1000);
    wait.addEventListener("click", function () {
      clearInterval(timer);
      note.hidden = true;
      wait.hidden = true;
    });
  }
})();
