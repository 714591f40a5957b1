'use strict';
// Small enhancements; every page works without them.
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// The page's sentences for scripts, in its language (Layout::js_text):
// window.ctText('key', 'English fallback').
window.ctText = (function () {
  var el = document.getElementById('ct-text');
  var messages = {};
  try {
    messages = JSON.parse(el ? el.textContent : '{}');
  } catch (e) {
    messages = {};
  }
  return function (key, fallback) {
    return messages[key] || fallback;
  };
})();

document.addEventListener('DOMContentLoaded', function () {
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) {
    invalid.focus();
  }
});
