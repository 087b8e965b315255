/* One step per screen for a questionnaire form: one question at a time on the children's
   kiosk (form data-steps="question"), one section at a time for staff (data-steps="section").

   Progressive enhancement: without this file the whole questionnaire is one accessible page,
   and a page showing problems from the server stays that way. Answers live only in the form:
   nothing here touches cookies, storage or history. Questions whose routing condition
   (data-when-question, data-when-answers) is not met are skipped. Before sending there is a
   "check your answers" step, which the last step's Send button lets anyone skip. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-steps]");
  if (!form || document.getElementById("problems")) return;

  var text = form.dataset;
  var bySection = text.steps === "section";
  var list = function (root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  };
  var sections = list(form, ".section");
  var questions = list(form, ".question");
  var steps = bySection ? sections : questions;
  var actions = form.querySelector(".actions");
  var send = actions.querySelector("button[type=submit]");
  var REVIEW = steps.length; // the index of the "check your answers" step
  var current = 0;
  var backToReview = false; // after "Change", Next returns straight to the check step

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }

  // --- routing: the same rule as answers.is_asked on the server -------------------------------

  function chosen(question) {
    return list(question, "input:checked").map(function (input) {
      return input.value;
    });
  }

  function isAsked(question) {
    var on = question.dataset.whenQuestion;
    if (!on) return true;
    var controlling = document.getElementById("question-" + on);
    if (!controlling || !isAsked(controlling)) return false;
    var wanted = question.dataset.whenAnswers.split(" ");
    return chosen(controlling).some(function (value) {
      return wanted.indexOf(value) !== -1;
    });
  }

  function stepIsAsked(step) {
    return bySection ? list(step, ".question").some(isAsked) : isAsked(step);
  }

  function askedSteps() {
    return steps.filter(stepIsAsked);
  }

  // --- the parts added to the page ------------------------------------------------------------

  // A picture of progress (the bar) with few words beside it: on the kiosk "3 of 41" is what
  // shows, and "Question 3 of 41" is what a screen reader says (data-label-progress-short).
  var progress = element("div", "progress");
  var count = element("p", "progress__count");
  var countWords = element("span", text.labelProgressShort ? "visually-hidden" : null);
  var countShort = element("span", "progress__short");
  countShort.setAttribute("aria-hidden", "true");
  countShort.hidden = !text.labelProgressShort;
  count.appendChild(countWords);
  count.appendChild(countShort);
  var track = element("div", "progress__track");
  var bar = element("div", "progress__bar");
  track.setAttribute("aria-hidden", "true");
  track.appendChild(bar);
  progress.appendChild(track);
  progress.appendChild(count);
  form.insertBefore(progress, form.querySelector(".section"));

  var nav = element("div", "step-nav");
  var back = element("button", "button button--secondary step-nav__back", text.labelBack);
  var next = element("button", "button step-nav__next", text.labelNext);
  back.type = "button";
  next.type = "button";
  nav.appendChild(back);
  nav.appendChild(next);
  form.insertBefore(nav, actions);

  var review = element("section", "review");
  var reviewHeading = element("h2", null, text.labelReview);
  reviewHeading.id = "review-heading";
  reviewHeading.tabIndex = -1;
  review.setAttribute("aria-labelledby", reviewHeading.id);
  form.insertBefore(review, nav);

  // In steps, a routed question only appears when it applies, so its routing note is noise.
  list(form, ".route-note").forEach(function (note) {
    note.hidden = true;
    list(form, "[aria-describedby~='" + note.id + "']").forEach(function (described) {
      var rest = described.getAttribute("aria-describedby").split(" ").filter(function (id) {
        return id !== note.id;
      });
      if (rest.length) described.setAttribute("aria-describedby", rest.join(" "));
      else described.removeAttribute("aria-describedby");
    });
  });
  list(form, ".question__text, .section > h2").forEach(function (heading) {
    heading.tabIndex = -1; // focus moves here when its step is shown
  });
  form.classList.add("stepping");
  var intro = list(document, "[data-step-intro]");
  var title = document.querySelector("[data-step-title]");

  // --- the "check your answers" step ----------------------------------------------------------

  function answerText(question) {
    var box = question.querySelector("textarea");
    if (box) return box.value.trim();
    return list(question, "input:checked")
      .map(function (input) {
        var label = form.querySelector("label[for='" + input.id + "'] .choice__text");
        return label ? label.textContent.trim() : input.value;
      })
      .join(", ");
  }

  function buildReview() {
    review.textContent = "";
    review.appendChild(reviewHeading);
    review.appendChild(element("p", "hint", text.labelReviewHint));
    var rows = element("dl", "review__list");
    questions.filter(isAsked).forEach(function (question) {
      var row = element("div", "review__row");
      var asked = question.querySelector(".question__text").textContent.trim();
      var given = answerText(question);
      row.appendChild(element("dt", null, asked));
      var answer = element("dd", given ? "review__answer" : "review__answer review__answer--skipped");
      answer.textContent = given || text.labelSkipped;
      row.appendChild(answer);
      var actionCell = element("dd", "review__change");
      var change = element("button", "button button--secondary", text.labelChange);
      change.type = "button";
      change.appendChild(element("span", "visually-hidden", ": " + asked));
      change.addEventListener("click", function () {
        var step = bySection ? question.closest(".section") : question;
        backToReview = true;
        show(steps.indexOf(step), true);
      });
      actionCell.appendChild(change);
      row.appendChild(actionCell);
      rows.appendChild(row);
    });
    review.appendChild(rows);
  }

  // --- showing one step -----------------------------------------------------------------------

  function show(index, moveFocus) {
    current = index;
    var asked = askedSteps();
    var reviewing = index === REVIEW;
    var step = steps[index];
    sections.forEach(function (section) {
      section.hidden = reviewing || (bySection ? section !== step : !section.contains(step));
    });
    questions.forEach(function (question) {
      question.hidden = reviewing || (bySection ? !isAsked(question) : question !== step);
    });
    review.hidden = !reviewing;
    if (reviewing) buildReview();
    else review.textContent = "";

    // The title and the words before the questions: on the first step only (the title stays
    // for screen readers), so each later question and Next fit on a phone's screen.
    var first = index === firstAsked();
    intro.forEach(function (node) {
      node.hidden = !first;
    });
    if (title) title.classList.toggle("visually-hidden", !first);

    var position = reviewing ? asked.length : asked.indexOf(step) + 1;
    count.hidden = reviewing;
    var at = { number: position, total: asked.length };
    countWords.textContent = fill(text.labelProgress, at);
    if (text.labelProgressShort) countShort.textContent = fill(text.labelProgressShort, at);
    bar.style.width = Math.round((100 * position) / Math.max(asked.length, 1)) + "%";

    var last = !reviewing && step === asked[asked.length - 1];
    back.hidden = index === firstAsked();
    next.hidden = reviewing;
    if (reviewing) backToReview = false;
    next.textContent = last || backToReview ? text.labelCheck : text.labelNext;
    actions.hidden = !(reviewing || last);
    send.disabled = actions.hidden;

    if (moveFocus) {
      window.scrollTo(0, 0);
      var target = reviewing
        ? reviewHeading
        : bySection
          ? step.querySelector("h2")
          : step.querySelector(".question__text");
      target.focus({ preventScroll: true });
    }
  }

  function firstAsked() {
    return steps.indexOf(askedSteps()[0]);
  }

  function move(direction) {
    var index = current;
    do {
      index += direction;
    } while (index >= 0 && index < REVIEW && !stepIsAsked(steps[index]));
    if (index < 0) return;
    show(Math.min(index, REVIEW), true);
  }

  // --- after a disclosing answer: "Do you want to talk to an inspector now?", once ----------
  // The offer is the next screen; "Yes" shows the signal for the inspector (kiosk.js), which
  // sends and stores nothing. Either way the child then carries on from the next question.
  var offer = document.getElementById("talk-offer");
  var offered = false;

  function discloses(step) {
    return step && list(step, "input[data-discloses]:checked").length > 0;
  }

  function offerTalk(then) {
    offered = true;
    form.hidden = true;
    offer.hidden = false;
    window.scrollTo(0, 0);
    document.getElementById("talk-offer-title").focus();
    var done = function (yes) {
      offer.hidden = true;
      form.hidden = false;
      if (yes && window.KioskTalk) window.KioskTalk.show(then);
      else then();
    };
    offer.querySelector("[data-talk-yes]").onclick = function () {
      done(true);
    };
    offer.querySelector("[data-talk-no]").onclick = function () {
      done(false);
    };
  }

  function forward() {
    var then = function () {
      if (backToReview) show(REVIEW, true);
      else move(1);
    };
    if (offer && !offered && current !== REVIEW && discloses(steps[current])) offerTalk(then);
    else then();
  }

  back.addEventListener("click", function () {
    move(-1);
  });
  next.addEventListener("click", forward);

  // Enter in a field moves on instead of sending everything from the middle.
  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || field.tagName !== "INPUT") return;
    event.preventDefault();
    if (current !== REVIEW) forward();
  });

  // An answer can change which questions come next (routing): the count, the routed
  // questions of a section and the last step follow it at once.
  form.addEventListener("change", function () {
    if (current !== REVIEW) show(current, false);
  });

  show(firstAsked(), false);
})();
