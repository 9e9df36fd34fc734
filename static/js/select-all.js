// A "select all" checkbox: <input type="checkbox" data-select-all="name"> ticks every checkbox
// called `name` on the page. Without JavaScript each row is ticked by hand.
document.querySelectorAll("[data-select-all]").forEach(function (all) {
  var boxes = function () {
    return document.querySelectorAll('input[type="checkbox"][name="' + all.dataset.selectAll + '"]');
  };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
});
