// The admin's claim form: show the chooser of the chosen subject type, the fields of
// that type, and the value inputs of the chosen field's kind. Without this script every
// input is shown and the server reads the ones the field needs.
(function () {
  "use strict";
  var SHOWN_FOR = {
    count: ["count", "qualifier"],
    number: ["number", "qualifier"],
    ratio: ["ratio", "qualifier"],
    date: ["date", "precision"],
    set: ["set", "qualifier"],
    text: []
  };

  function wrapper(el) {
    // A field in a multi-field panel: its label and input share one panel wrapper.
    return el.closest(".w-panel__wrapper") || el.closest("[data-field-wrapper]");
  }

  function setShown(el, shown) {
    var box = wrapper(el);
    if (box) { box.hidden = !shown; }
  }

  function init(form) {
    var typeSelect = form.querySelector("[data-claim-subject-type]");
    var fieldSelect = form.querySelector("[data-claim-field]");
    if (!typeSelect || !fieldSelect) { return; }
    var kinds = JSON.parse(fieldSelect.getAttribute("data-claim-kinds") || "{}");

    function showSubjects() {
      var type = typeSelect.value;
      form.querySelectorAll("[data-claim-subject]").forEach(function (input) {
        setShown(input, input.getAttribute("data-claim-subject") === type);
      });
      Array.prototype.forEach.call(fieldSelect.options, function (option) {
        if (!option.value) { return; }
        var ofType = option.value.split(":")[0] === type;
        option.hidden = !ofType;
        option.disabled = !ofType;
      });
      fieldSelect.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([disabled])");
      });
      var chosen = fieldSelect.options[fieldSelect.selectedIndex];
      if (chosen && chosen.disabled) { fieldSelect.value = ""; }
      showValues();
    }

    function showValues() {
      var kind = kinds[fieldSelect.value] || "";
      var wanted = SHOWN_FOR[kind] || [];
      var seen = [];
      form.querySelectorAll("[data-claim-value]").forEach(function (input) {
        var box = wrapper(input);
        if (seen.indexOf(box) !== -1) { return; }
        seen.push(box);
        var roles = input.getAttribute("data-claim-value").split(" ");
        var shown = roles.some(function (role) { return wanted.indexOf(role) !== -1; });
        if (box) { box.hidden = !shown; }
      });
    }

    typeSelect.addEventListener("change", showSubjects);
    fieldSelect.addEventListener("change", showValues);
    showSubjects();
  }

  function start() {
    document.querySelectorAll("form").forEach(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
