// Governance refusals and history events in the users' words (French). The operation and its
// checks are @mss/governance's; this only says what happened.

import type { GovernanceErrorKind } from '@mss/governance';

const REFUSALS: Partial<Record<GovernanceErrorKind, string>> = {
  'invalid-identifier': 'Cet identifiant national (IdNat) n’est pas valide.',
  'invalid-input': 'La demande est incomplète ou invalide.',
  'not-in-directory': 'Cette personne n’est pas connue de l’Annuaire Santé.',
  'not-a-professional': 'Seul un professionnel de santé enregistré (RPPS) peut être cotitulaire ou propriétaire d’un cabinet (R-CAB-3).',
  'already-has-access': 'Cette personne a déjà accès à cette boîte.',
  'end-date-in-past': 'La date de fin doit être dans le futur.',
  'cotitulaire-limit': 'Le nombre maximal de cotitulaires est atteint pour ce cabinet.',
  'cotitulaire-not-found': 'Cette personne n’est pas cotitulaire de ce cabinet.',
  'delegation-not-found': 'Cette délégation n’est plus en vigueur.',
  'not-delegable': 'Cette boîte ne peut pas être déléguée (R-DEL-1).',
  'not-a-cab': 'Cette action ne concerne que les boîtes de cabinet.',
  forbidden: 'Votre rôle sur cette boîte ne permet pas cette action.',
  'mailbox-not-found': 'Boîte introuvable, ou vous n’y avez aucun rôle.',
  'mailbox-closed': 'Cette boîte est fermée.',
  'mailbox-suspended': 'Cette boîte est suspendue.',
  'cgu-not-accepted': 'Vous devez d’abord accepter les conditions générales d’utilisation en vigueur (R-CAB-4).',
  'cgu-not-current': 'Cette version des conditions générales n’est plus celle en vigueur : relisez la version actuelle.',
  'no-cgu': 'L’opérateur n’a publié aucunes conditions générales d’utilisation.',
  conflict: 'Une autre modification a eu lieu en même temps : recommencez.',
};

export function refusalText(kind: GovernanceErrorKind, detail: string): string {
  return REFUSALS[kind] ?? `Action refusée : ${detail}`;
}

const EVENTS: Readonly<Record<string, string>> = {
  'mailbox.created': 'Boîte créée',
  'cotitulaire.added': 'Cotitulaire ajouté',
  'cotitulaire.removed': 'Cotitulaire retiré',
  'ownership.transferred': 'Propriété transférée',
  'delegation.granted': 'Délégation accordée',
  'delegation.revoked': 'Délégation révoquée',
  'delegation.expired': 'Délégation arrivée à échéance',
  'delegation.ended': 'Délégation terminée',
  'mailbox.suspended': 'Boîte suspendue',
  'mailbox.closed': 'Boîte fermée',
  'mailbox.reactivated': 'Boîte réactivée',
  'liste-rouge.on': 'Inscrite en liste rouge',
  'liste-rouge.off': 'Retirée de la liste rouge',
  'publication.updated': 'Publication modifiée',
  'attachment.changed': 'Rattachement modifié',
  'responsible.added': 'Responsable ajouté',
  'responsible.removed': 'Responsable retiré',
};

export const eventText = (event: string): string => EVENTS[event] ?? event;
