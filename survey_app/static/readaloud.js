/* Read aloud: a speaker button beside every question, every answer and every block of text
   marked data-read-aloud, spoken by the browser's own speech synthesis in the page's language.
   Where the device has no voice for that language, the page says so plainly. Nothing is sent
   anywhere and nothing is stored. The words come from #read-aloud's data attributes. */
(function () {
  "use strict";

  var status = document.getElementById("read-aloud");
  if (!status) return;
  var words = status.dataset;
  var language = (document.documentElement.lang || "en").toLowerCase();

  function speech() {
    return "speechSynthesis" in window && window.SpeechSynthesisUtterance
      ? window.speechSynthesis
      : null;
  }

  function voiceFor(synth) {
    var voices = synth.getVoices() || [];
    var tag = function (voice) {
      return (voice.lang || "").toLowerCase().replace("_", "-");
    };
    var exact = voices.filter(function (voice) {
      return tag(voice) === language;
    });
    if (exact.length) return exact[0];
    return (
      voices.filter(function (voice) {
        return tag(voice).split("-")[0] === language;
      })[0] || null
    );
  }

  function speak(words_) {
    var synth = speech();
    var voice = synth && voiceFor(synth);
    if (!voice) {
      status.textContent = words.noVoice;
      return;
    }
    status.textContent = "";
    synth.cancel(); // one thing at a time: a new press replaces what is being read
    var utterance = new window.SpeechSynthesisUtterance(words_);
    utterance.lang = language;
    utterance.voice = voice;
    synth.speak(utterance);
  }

  function clean(node) {
    return (node ? node.textContent : "").replace(/\s+/g, " ").trim();
  }

  function button(name, read, className) {
    var control = document.createElement("button");
    control.type = "button";
    control.className = "speak " + className;
    control.setAttribute("aria-label", name);
    var icon = document.createElement("img");
    icon.src = words.icon;
    icon.alt = "";
    icon.width = 32;
    icon.height = 32;
    control.appendChild(icon);
    control.addEventListener("click", function () {
      speak(read());
    });
    return control;
  }

  // Each question: its words and its hint.
  Array.prototype.forEach.call(document.querySelectorAll(".question"), function (question) {
    var read = function () {
      var hint = question.querySelector(".hint:not(.route-note)");
      return [clean(question.querySelector(".question__text")), clean(hint)]
        .filter(Boolean)
        .join(". ");
    };
    question.classList.add("question--speak");
    question.insertBefore(button(words.label, read, "speak--question"), question.firstChild);
  });

  // Each answer, named by its words so every button says what it reads.
  Array.prototype.forEach.call(document.querySelectorAll(".choice"), function (choice) {
    var label = choice.querySelector(".choice__text");
    if (!label || choice.closest(".languages")) return;
    var read = function () {
      return clean(label);
    };
    var name = words.labelAnswer.replace("{text}", clean(label));
    choice.classList.add("choice--speak");
    choice.appendChild(button(name, read, "speak--answer"));
  });

  // Blocks of text: the welcome, the help and the thanks.
  Array.prototype.forEach.call(document.querySelectorAll("[data-read-aloud]"), function (block) {
    var read = function () {
      return clean(block);
    };
    block.insertBefore(button(words.label, read, "speak--block"), block.firstChild);
  });

  // Stop reading when the child leaves the page.
  window.addEventListener("pagehide", function () {
    var synth = speech();
    if (synth) synth.cancel();
  });
})();
