'use strict';
// Live projector: a fresh QR code at each rotation and the students checked
// in, from server-sent events. Without JavaScript the page reloads itself.
(function () {
  var root = document.getElementById('projector');
  if (!root || !window.EventSource) {
    return;
  }
  var qr = document.getElementById('qr');
  var code = document.getElementById('short-code');
  var countdown = document.getElementById('countdown');
  var bar = document.getElementById('countdown-bar');
  var here = document.getElementById('here-count');
  var enrolled = document.getElementById('enrolled-count');
  var names = document.getElementById('names');
  var problem = document.getElementById('live-problem');
  var full = document.getElementById('fullscreen');
  var deadline = Date.now() + Number(countdown.getAttribute('data-remaining') || 0);
  var period = 10000;
  var known = {};
  Array.prototype.forEach.call(names.children, function (li) { known[li.textContent] = true; });

  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener('click', function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
  }

  function tick() {
    var left = Math.max(0, deadline - Date.now());
    countdown.textContent = String(Math.ceil(left / 1000));
    if (bar) {
      bar.style.width = Math.min(100, (left / period) * 100) + '%';
    }
  }
  window.setInterval(tick, 200);
  tick();

  // Not open yet: the page shows when it opens and reloads itself then,
  // coming back with the code (never earlier than in two seconds, so that a
  // clock a little ahead of the server's cannot make it reload in a loop).
  var opensIn = root.getAttribute('data-opens-in');
  if (opensIn !== null) {
    window.setTimeout(function () { window.location.reload(); },
      Math.max(2000, Number(opensIn) + 500));
  }

  var events = new EventSource(root.getAttribute('data-events'));
  events.addEventListener('qr', function (event) {
    var m = JSON.parse(event.data);
    var svg = new DOMParser().parseFromString(m.svg, 'image/svg+xml').documentElement;
    if (svg && svg.nodeName.toLowerCase() === 'svg') {
      qr.replaceChildren(document.importNode(svg, true));
      qr.className = '';
      qr.setAttribute('data-url', m.url);
    }
    code.textContent = m.code;
    period = Math.max(1000, (m.rotation_seconds || 10) * 1000);
    deadline = Date.now() + m.remaining_ms;
    problem.hidden = true;
    tick();
  });
  events.addEventListener('roll', function (event) {
    var m = JSON.parse(event.data);
    here.textContent = String(m.counts.present + m.counts.late);
    enrolled.textContent = String(m.counts.enrolled);
    var items = m.checked_in.map(function (name) {
      var li = document.createElement('li');
      li.textContent = name;
      if (!known[name]) {
        li.className = 'new';
      }
      return li;
    });
    known = {};
    m.checked_in.forEach(function (name) { known[name] = true; });
    names.replaceChildren.apply(names, items);
    if (m.ended) {
      problem.textContent = window.ctText('projector_closed', 'Check-in is closed for this session.');
      problem.hidden = false;
      // The API ends the watch of a closed session after its final roll:
      // nothing more will come, so do not reconnect every few seconds.
      events.close();
    }
  });
  events.addEventListener('problem', function (event) {
    problem.textContent = event.data;
    problem.hidden = false;
  });
})();
