// The webmail's only script (an ES module served by the operator, no framework, no CDN). The pages
// work without it; it adds what a server-rendered page cannot do alone:
// - a mailbox lost while the page is open (delegation revoked, removed, transferred) disappears
//   from the switcher at once, and a page about it says why and hides its content;
// - an attachment over the size limit is refused before anything is uploaded.

const alerts = document.getElementById('alertes');

function alertText(text) {
  if (!alerts) return;
  const p = document.createElement('p');
  p.className = 'erreur';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  alerts.append(p);
}

function watchMailboxes() {
  if (!document.body.dataset.connecte || typeof EventSource !== 'function') return;
  const events = new EventSource('/webmail/evenements');
  events.addEventListener('boite-perdue', (e) => {
    const { address, reason } = JSON.parse(e.data);
    for (const li of document.querySelectorAll('li[data-bal]')) if (li.dataset.bal === address) li.remove();
    if (document.body.dataset.balCourante === address) {
      const main = document.getElementById('contenu');
      for (const el of main.children) if (el.id !== 'alertes') el.hidden = true;
      alertText(`Vous n’avez plus accès à ${address} : ${reason}.`);
    } else {
      alertText(`Accès retiré à ${address} : ${reason}.`);
    }
  });
  events.addEventListener('cgu', () => {
    alertText('De nouvelles conditions générales d’utilisation doivent être acceptées.');
  });
}

function checkAttachmentSizes() {
  for (const input of document.querySelectorAll('input[type=file][data-max-octets]')) {
    const max = Number(input.dataset.maxOctets);
    const form = input.form;
    const message = document.getElementById(`${input.id}-trop-gros`);
    const check = () => {
      let total = 0;
      for (const f of input.files ?? []) total += f.size;
      const tooBig = total > max;
      input.setCustomValidity(tooBig ? 'Pièces jointes trop volumineuses' : '');
      input.setAttribute('aria-invalid', tooBig ? 'true' : 'false');
      if (message) {
        message.hidden = !tooBig;
        message.textContent = tooBig
          ? `Les pièces jointes font ${(total / 1048576).toFixed(1)} Mo : au plus ${(max / 1048576).toFixed(0)} Mo par message. Rien n’a été envoyé.`
          : '';
      }
      return !tooBig;
    };
    input.addEventListener('change', check);
    form?.addEventListener('submit', (e) => {
      if (!check()) {
        e.preventDefault();
        input.focus();
      }
    });
  }
}

watchMailboxes();
checkAttachmentSizes();
