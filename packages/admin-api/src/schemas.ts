/** JSON schemas of the API: every input is validated, every output serialised through them. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details; `type` is stable and documented at its path.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    acceptUrl: { type: 'string' },
    field: { type: 'string' },
    rule: { type: 'string' },
    reason: { type: 'string' },
    suggestedType: { type: 'string', description: 'The mailbox type that fits where the one asked for does not (cab-with-finess)' },
    limit: { type: 'integer', description: 'The operator limit that was reached (cotitulaire-limit)' },
    releasableAt: { type: 'string', description: 'When the address may be released (release-too-early)' },
  },
  required: ['type', 'title', 'status'],
} as const;

const nullableString = { type: ['string', 'null'] } as const;

export const mailboxSchema = {
  $id: 'Mailbox',
  type: 'object',
  properties: {
    address: { type: 'string' },
    type: { type: 'string', enum: ['PER', 'ORG', 'APP', 'CAB'] },
    status: { type: 'string', enum: ['active', 'suspended', 'closed'] },
    ownerIdnat: { type: 'string', description: 'Directory attachment: the PER holder, the CAB owner, or the ORG/APP structure' },
    situationId: nullableString,
    listeRouge: { type: 'boolean' },
    description: nullableString,
    service: nullableString,
    digitization: { type: 'boolean' },
    createdAt: { type: 'string' },
    closedAt: nullableString,
    releasedAt: { type: ['string', 'null'], description: 'When the address was released for another holder (R-BAL-2)' },
    holders: {
      type: 'array',
      items: {
        type: 'object',
        properties: { idnat: { type: 'string' }, role: { type: 'string' }, addedAt: { type: 'string' }, addedBy: nullableString },
        required: ['idnat', 'role', 'addedAt'],
      },
    },
    delegations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          delegateIdnat: { type: 'string' },
          grantedBy: { type: 'string' },
          startAt: { type: 'string' },
          endAt: nullableString,
        },
        required: ['id', 'delegateIdnat', 'grantedBy', 'startAt'],
      },
    },
  },
  required: ['address', 'type', 'status', 'ownerIdnat', 'listeRouge', 'holders'],
} as const;

export const groupSchema = {
  $id: 'Group',
  type: 'object',
  description: 'A practice’s group address: fans out to named mailboxes of the practice; nobody opens it or sends as it',
  properties: {
    address: { type: 'string' },
    description: nullableString,
    createdAt: { type: 'string' },
    closedAt: nullableString,
    members: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          address: { type: 'string' },
          type: { type: 'string' },
          addedAt: { type: 'string' },
          addedBy: { type: 'string' },
          receives: { type: 'boolean', description: 'Whether the member gets the group’s mail now (active, still of the practice)' },
        },
        required: ['address', 'type', 'addedAt', 'addedBy', 'receives'],
      },
    },
  },
  required: ['address', 'createdAt', 'members'],
} as const;

export const historyEntrySchema = {
  $id: 'HistoryEntry',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    actor: { type: 'string' },
    event: { type: 'string' },
    subjectIdnat: nullableString,
    reason: nullableString,
    details: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'at', 'actor', 'event'],
} as const;

export const errorResponses = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  409: { $ref: 'Problem#' },
  422: { $ref: 'Problem#' },
} as const;

export const addressParam = {
  type: 'object',
  properties: { address: { type: 'string', minLength: 3, maxLength: 254, description: 'The mailbox address' } },
  required: ['address'],
} as const;

/** `GET /sandbox`: what the sandbox publishes about itself (only served under `mss sandbox`). */
export const sandboxInfoSchema = {
  type: 'object',
  properties: {
    endpoints: { type: 'object', additionalProperties: { type: 'string' }, description: 'Endpoint key (adminApi, psc, imap…) to URL' },
    personas: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          role: { type: 'string' },
          idnat: { type: 'string' },
          name: { type: 'string' },
          mailboxes: { type: 'array', items: { type: 'string' } },
        },
        required: ['key', 'role', 'idnat', 'name', 'mailboxes'],
      },
    },
  },
  required: ['endpoints', 'personas'],
} as const;
