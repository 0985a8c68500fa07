// Asks before destructive actions: forms marked data-confirm submit only when confirmed.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Import progress: while a batch is being checked or imported in the background, poll its progress
// and reload the page when it is done.
(function () {
  var status = document.getElementById("import-status");
  if (!status || ["uploaded", "checking", "committing"].indexOf(status.dataset.status) < 0) {
    return;
  }
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  function poll() {
    fetch(status.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (progress) {
        if (bar) { bar.value = progress.percent; }
        if (text) { text.textContent = progress.done + " / " + progress.total; }
        var stalledNow = progress.stalled && !document.getElementById("import-retry");
        if (["uploaded", "checking", "committing"].indexOf(progress.status) < 0 || stalledNow) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();

// Bureau submissions: while a revision is queued or being sent, follow its state and reload the page
// when it changes (a new attempt, or the bureau's answer).
(function () {
  var status = document.getElementById("submission-status");
  if (!status || status.dataset.following !== "true") {
    return;
  }
  function poll() {
    fetch(status.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (current) {
        if (current.state !== status.dataset.state || String(current.attempts) !== status.dataset.attempts) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
