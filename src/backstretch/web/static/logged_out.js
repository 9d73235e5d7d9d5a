/* backstretch: the "You are logged out" page. Plain JavaScript.
 *
 * The server has already forgotten the push subscriptions the ended login saved (POST /logout),
 * so no more reminders are sent to this browser. Here the browser unsubscribes as well: a
 * subscription the server could not tie to that login (saved before logins were noted) then
 * goes quiet too, since the push service answers the next reminder with 410 and the server
 * forgets it. Nothing is done where push is not supported, or when someone is logged in here
 * (again). The only words shown come from the page (#reminders-off).
 */
(function () {
  "use strict";

  const note = document.getElementById("reminders-off");
  const account = document.querySelector('meta[name="backstretch-account"]');
  if (!note || (account && account.getAttribute("content"))) return;
  if (!window.isSecureContext || !("serviceWorker" in navigator) || !("PushManager" in window)) return;

  async function unsubscribe() {
    const registration = await navigator.serviceWorker.getRegistration("/");
    if (!registration || !registration.pushManager) return false;
    const subscription = await registration.pushManager.getSubscription();
    return subscription ? subscription.unsubscribe() : false;
  }

  unsubscribe()
    .then((done) => {
      if (done) note.hidden = false;
    })
    .catch(() => {});
})();
