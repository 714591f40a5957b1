'use strict';
// Live roll: statuses and counts change as check-ins land, without reload.
(function () {
  var table = document.getElementById('roll');
  if (!table || !window.EventSource) {
    return;
  }
  var state = document.getElementById('session-state');
  var events = new EventSource(table.getAttribute('data-events'));
  events.addEventListener('roll', function (event) {
    var m = JSON.parse(event.data);
    Object.keys(m.counts).forEach(function (key) {
      var cell = document.querySelector('[data-count="' + key + '"]');
      if (cell) {
        cell.textContent = String(m.counts[key]);
      }
    });
    if (m.session_state && state) {
      state.textContent = m.session_state;
    }
    m.entries.forEach(function (e) {
      var row = document.getElementById('student-' + e.id);
      if (!row) {
        return;
      }
      var badge = row.querySelector('[data-role="status"]');
      if (badge && badge.textContent !== e.status) {
        badge.textContent = e.status;
        badge.className = 'badge status-' + e.class;
        row.classList.remove('just-changed');
        void row.offsetWidth;
        row.classList.add('just-changed');
        var select = row.querySelector('select[name="status"]');
        if (select && document.activeElement !== select && e.value) {
          select.value = String(e.value);
        }
      }
      var how = row.querySelector('[data-role="how"]');
      if (how) {
        how.textContent = e.how + (e.note ? ' — “' + e.note + '”' : '');
      }
    });
  });
})();
