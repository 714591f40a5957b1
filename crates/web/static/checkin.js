'use strict';
// "Check in" opens the camera and reads the QR code in the page where the
// browser can (BarcodeDetector); elsewhere it points to the camera app.
(function () {
  var start = document.getElementById('scan-start');
  var box = document.getElementById('scanner');
  var video = document.getElementById('scanner-video');
  var status = document.getElementById('scanner-status');
  var stop = document.getElementById('scan-stop');
  var help = document.getElementById('camera-help');
  if (!start || !box || !video) {
    return;
  }
  var stream = null;
  var running = false;

  function canScan() {
    return 'BarcodeDetector' in window && navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === 'function';
  }

  function checkInPath(text) {
    try {
      var url = new URL(text, window.location.href);
      var at = url.pathname.indexOf('/c/');
      if (at >= 0) {
        return url.pathname.slice(at);
      }
    } catch (e) {
      return null;
    }
    return null;
  }

  function halt() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    box.hidden = true;
    start.hidden = false;
  }

  function say(text) {
    help.textContent = text;
    help.focus && help.focus();
  }

  // A class that checks the position: the code is posted with it (see
  // location.js); otherwise the check-in page is simply opened.
  var post = document.getElementById('scan-post');
  function go(path) {
    if (post && typeof post.requestSubmit === 'function') {
      post.action = path;
      post.requestSubmit();
      return;
    }
    window.location.assign(path);
  }

  start.addEventListener('click', function (event) {
    if (!canScan()) {
      event.preventDefault();
      say(window.ctText('scanner_unsupported', "This browser cannot read QR codes itself. Open your phone's camera app and point it at the code on the screen, or type the six-digit code below."));
      return;
    }
    event.preventDefault();
    if (post && window.ClassTrackLocation) {
      window.ClassTrackLocation.locate(function () {});
    }
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        start.hidden = true;
        running = true;
        return video.play();
      })
      .then(function () {
        var look = function () {
          if (!running) {
            return;
          }
          detector.detect(video).then(function (codes) {
            for (var i = 0; i < codes.length; i++) {
              var path = checkInPath(codes[i].rawValue);
              if (path) {
                status.textContent = window.ctText('scanner_found', 'Code found. Checking you in…');
                halt();
                go(path);
                return;
              }
            }
            window.setTimeout(look, 200);
          }).catch(function () { window.setTimeout(look, 400); });
        };
        look();
      })
      .catch(function () {
        halt();
        say(window.ctText('scanner_denied', "The camera could not be opened. Allow camera access, or use your phone's camera app, or type the code below."));
      });
  });
  if (stop) {
    stop.addEventListener('click', halt);
  }
})();
