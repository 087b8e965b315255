// The forms that unlock the answers (templates/inspect/_unlock.html): while the server opens
// them, say what it is doing (once, in the form's status region), show the time so far (not
// announced: it would chatter), and ignore a second press. The evidence page is an ordinary
// POST: the browser goes to the page, which shows its own progress as it arrives. A download
// is fetched with the same form data (its CSRF token included) and saved from a blob, so the
// page can say when the file has arrived, or why nothing came. Without this script every
// button is a plain POST.
(function () {
  "use strict";

  function timeSoFar(template, started) {
    var seconds = Math.floor((Date.now() - started) / 1000);
    var rest = seconds % 60;
    return template.replace("{time}", Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest);
  }

  function filename(response) {
    var match = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "evidence";
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The file is the browser's once the download has started; the page keeps no copy.
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function watch(form) {
    var status = form.querySelector(".unlock-status");
    var clock = form.querySelector(".unlock-clock");
    var passphrase = form.querySelector("input[name=passphrase]");
    var buttons = form.querySelectorAll("button[data-working]");
    var busy = false;
    var timer = null;

    function start(button) {
      var started = Date.now();
      busy = true;
      buttons.forEach(function (each) { each.setAttribute("aria-disabled", "true"); });
      status.textContent = button.dataset.working;
      clock.textContent = timeSoFar(form.dataset.elapsed, started);
      clock.hidden = false;
      timer = window.setInterval(function () {
        clock.textContent = timeSoFar(form.dataset.elapsed, started);
      }, 1000);
    }

    function finish(message) {
      window.clearInterval(timer);
      busy = false;
      clock.hidden = true;
      buttons.forEach(function (each) { each.removeAttribute("aria-disabled"); });
      status.textContent = message;
    }

    function download(button) {
      return fetch(button.formAction, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "*/*" },
      }).then(function (response) {
        var attached = /attachment/.test(response.headers.get("Content-Disposition") || "");
        if (response.status === 403) {
          throw new Error(form.dataset.wrong);
        }
        if (!response.ok || !attached) {
          throw new Error(form.dataset.failed);
        }
        return response.blob().then(function (blob) {
          var name = filename(response);
          save(blob, name);
          finish(button.dataset.done.replace("{file}", name));
        });
      }).catch(function (error) {
        // A network failure has a message of the browser's own: say ours instead.
        var ours = error.message === form.dataset.wrong ? form.dataset.wrong : form.dataset.failed;
        finish(ours);
        passphrase.focus();
        passphrase.select();
      });
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (busy) {
        event.preventDefault();
        return;
      }
      // Without a passphrase, or from a button this script does not know, the server answers.
      if (!button || !button.dataset.working || !passphrase.value) {
        return;
      }
      start(button);
      if (button.hasAttribute("data-download")) {
        event.preventDefault();
        download(button);
      }
    });

    // Back to this page from the evidence (the browser's page cache): ready for another go.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        finish("");
      }
    });
  }

  document.querySelectorAll("form.unlock-form").forEach(watch);
})();
