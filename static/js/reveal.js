// Staff pages: the "Show" button next to a masked phone or ID number asks the API for the full
// value (the reveal is audited) and shows it in place, a phone as a tel: link. Without
// JavaScript, or if the request fails, the form posts and a page shows the value or the refusal.
(function () {
  function refused(form, data) {
    var note = document.createElement("span");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = (data && data.error && data.error.message) || "";
    form.parentNode.replaceChild(note, form);
  }
  if (!window.fetch || !document.addEventListener) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.className || form.className.indexOf("reveal-form") < 0) { return; }
    event.preventDefault();
    var field = form.elements.field.value;
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.elements.csrf_token.value },
      body: JSON.stringify({ field: field })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { refused(form, data); return null; }
        return data;
      });
    }).then(function (data) {
      if (!data) { return; }
      var holder = form.parentNode;
      var masked = holder.querySelector(".masked");
      var shown = document.createElement(field === "phone" && data.value ? "a" : "span");
      if (field === "phone" && data.value) { shown.href = "tel:" + data.value; }
      shown.className = "revealed";
      shown.textContent = data.value || "—";
      if (masked) { holder.replaceChild(shown, masked); } else { holder.insertBefore(shown, form); }
      holder.removeChild(form);
    }).catch(function () {
      form.submit();
    });
  });
})();
