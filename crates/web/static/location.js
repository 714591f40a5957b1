'use strict';
// The phone's position, for classes with a geofence. Forms marked
// `data-location` get it before they are sent, into their hidden `lat`, `lon`
// and `accuracy` fields. `data-location-when="select-id"` limits that to the
// options of that select marked `data-needs-location`. The position goes only
// to this site, with the check-in.
(function () {
  var text = window.ctText || function (key, fallback) { return fallback; };
  var PROBLEMS = {
    1: text('location_blocked', 'Location is blocked for this site. Allow location for this site in your browser ' +
      '(often the icon next to the address, or the phone\'s settings), then try again. ' +
      'If you cannot, ask your professor to mark you present.'),
    2: text('location_unavailable', 'Your phone could not find where it is. Turn on location (GPS) and try again, ' +
      'or ask your professor to mark you present.'),
    3: text('location_timeout', 'Finding your location took too long. Turn on location (GPS), move near a window ' +
      'and try again, or ask your professor to mark you present.')
  };
  var UNSUPPORTED = text('location_unsupported', 'This browser cannot share its location. Use your phone\'s usual browser, ' +
    'or ask your professor to mark you present.');

  var found = null; // { coords, at }
  var waiting = null; // callbacks while a request runs

  // Calls done(problem, coords): problem is a sentence, or null.
  function locate(done) {
    if (found && Date.now() - found.at < 60000) {
      done(null, found.coords);
      return;
    }
    if (!('geolocation' in navigator)) {
      done(UNSUPPORTED);
      return;
    }
    if (waiting) {
      waiting.push(done);
      return;
    }
    waiting = [done];
    var finish = function (problem, coords) {
      var callbacks = waiting;
      waiting = null;
      callbacks.forEach(function (cb) { cb(problem, coords); });
    };
    navigator.geolocation.getCurrentPosition(function (position) {
      found = { coords: position.coords, at: Date.now() };
      finish(null, position.coords);
    }, function (error) {
      finish(PROBLEMS[error.code] || PROBLEMS[2]);
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
  }

  function field(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    return input;
  }

  function fill(form, coords) {
    field(form, 'lat').value = String(coords.latitude);
    field(form, 'lon').value = String(coords.longitude);
    field(form, 'accuracy').value = String(Math.round(coords.accuracy || 0));
  }

  function statusOf(form) {
    return form.querySelector('[data-location-status]') ||
      document.querySelector('[data-location-status]');
  }

  function say(form, text, problem) {
    var box = statusOf(form);
    if (!box) {
      return;
    }
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle('form-error', !!problem);
    box.classList.toggle('hint', !problem);
  }

  function needed(form) {
    var when = form.getAttribute('data-location-when');
    if (!when) {
      return true;
    }
    var select = document.getElementById(when);
    var option = select && select.options[select.selectedIndex];
    return !!(option && option.hasAttribute('data-needs-location'));
  }

  function wire(form) {
    var shown = form.querySelectorAll('[data-location-js]');
    for (var i = 0; i < shown.length; i++) {
      shown[i].hidden = false;
    }
    var busy = false;
    // Start early where the form is being filled in (a typed code changes
    // every few seconds).
    var early = function () {
      if (needed(form)) {
        locate(function () {});
      }
    };
    form.addEventListener('focusin', early);
    form.addEventListener('change', early);
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-located') === '1' || !needed(form)) {
        return;
      }
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      var buttons = form.querySelectorAll('button[type="submit"]');
      var toggle = function (off) {
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].disabled = off;
        }
      };
      toggle(true);
      say(form, text('location_finding', 'Finding your location…'), false);
      locate(function (problem, coords) {
        busy = false;
        toggle(false);
        if (problem) {
          say(form, problem, true);
          return;
        }
        fill(form, coords);
        form.setAttribute('data-located', '1');
        say(form, text('location_found', 'Location found. Checking you in…'), false);
        form.submit();
      });
    });
  }

  var forms = document.querySelectorAll('form[data-location]');
  for (var i = 0; i < forms.length; i++) {
    wire(forms[i]);
  }
  window.ClassTrackLocation = { locate: locate, fill: fill };
})();
