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

// Recipient suggestions from the Annuaire Santé: the last address being typed, searched by name
// through the operator (/webmail/annuaire), each mailbox shown with its type and situation.
const TYPE_NAMES = { PER: 'personnelle', CAB: 'cabinet', ORG: 'organisationnelle', APP: 'applicative' };
function suggestRecipients() {
  for (const input of document.querySelectorAll('input[data-annuaire]')) {
    const list = document.getElementById(input.getAttribute('list'));
    if (!list) continue;
    let timer;
    let asked = '';
    input.addEventListener('input', () => {
      clearTimeout(timer);
      const parts = input.value.split(',');
      const term = parts[parts.length - 1].trim();
      if (term.length < 2 || term.includes('@') || term === asked) return;
      timer = setTimeout(async () => {
        asked = term;
        const res = await fetch(`/webmail/annuaire?q=${encodeURIComponent(term)}`, { headers: { accept: 'application/json' } });
        if (!res.ok) return;
        const { suggestions } = await res.json();
        const before = parts
          .slice(0, -1)
          .map((p) => p.trim())
          .filter(Boolean);
        list.replaceChildren(
          ...suggestions.map((s) => {
            const option = document.createElement('option');
            option.value = [...before, s.address].join(', ');
            option.label = `${s.name}${s.profession ? ` (${s.profession})` : ''} — ${TYPE_NAMES[s.type] ?? s.type ?? ''}${s.situation ? ` — ${s.situation}` : ''}`;
            return option;
          }),
        );
      }, 250);
    });
  }
}
suggestRecipients();
