/* Validating and routing a questionnaire's answers in the browser, by the server's rules
   (survey_app/answers.py, `check`), for tablets that must work with no network.

   One definition: the questionnaire comes from the server as data (Questionnaire.client_definition
   in survey_app/questionnaire.py), never as a second copy of its rules. The rules themselves are
   this file's few lines, and tests/browser/test_answers_js.py checks them against answers.check
   on thousands of generated forms, so the two cannot drift apart unnoticed.

   check(definition, entries) takes the form's [name, value] pairs (as FormData gives them) and
   returns {answers, errors}: answers as the server would seal them, errors keyed by question id
   ("too_long" or "not_an_option"). */
(function (global) {
  "use strict";

  // The characters Python's str.strip() removes (str.isspace): JavaScript's trim() differs.
  var SPACE = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680" +
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

  function strip(text) {
    var start = 0;
    var end = text.length;
    while (start < end && SPACE.indexOf(text[start]) !== -1) start++;
    while (end > start && SPACE.indexOf(text[end - 1]) !== -1) end--;
    return text.slice(start, end);
  }

  function codePoints(text) {
    return Array.from(text).length; // Python's len(): code points, not UTF-16 units
  }

  function isAsked(question, answers) {
    if (!question.when) return true;
    var given = answers[question.when.question];
    if (Array.isArray(given)) {
      return given.some(function (value) { return question.when.answers.indexOf(value) !== -1; });
    }
    return given !== undefined && question.when.answers.indexOf(given) !== -1;
  }

  function check(definition, entries) {
    var byName = {};
    entries.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(String(pair[1]));
    });
    var answers = {};
    var errors = {};
    definition.questions.forEach(function (question) {
      var values = byName[question.id] || [];
      var given;
      if (question.type === "multiple") {
        given = values.filter(function (value) { return value !== ""; });
        if (!given.length) return;
      } else {
        given = strip(values.length ? values[0] : "");
        if (!given) return;
      }
      if (question.type === "text") {
        if (codePoints(given) > question.max_length) errors[question.id] = "too_long";
        answers[question.id] = given;
      } else if (question.type === "multiple") {
        if (given.some(function (value) { return question.options.indexOf(value) === -1; })) {
          errors[question.id] = "not_an_option";
        }
        answers[question.id] = question.options.filter(function (id) {
          return given.indexOf(id) !== -1;
        });
      } else {
        if (question.options.indexOf(given) === -1) errors[question.id] = "not_an_option";
        answers[question.id] = given;
      }
    });
    definition.questions.forEach(function (question) { // routing uses the answers as given
      if (question.id in answers && !isAsked(question, answers)) {
        delete answers[question.id];
        delete errors[question.id];
      }
    });
    return { answers: answers, errors: errors };
  }

  global.SurveyAnswers = { check: check, isAsked: isAsked, strip: strip };
})(window);
