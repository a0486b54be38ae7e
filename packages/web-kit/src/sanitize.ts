// HTML bodies of received messages are shown only after sanitize-html (a maintained allowlist
// sanitiser) keeps the harmless formatting: no script, no event handler, no style, no form, no
// frame, links only to http, https and mailto, opened without a referrer. Images are dropped
// (a remote image tells the sender when the message is read) unless the reader asked to see
// them, and then only http(s) ones. The pages' Content-Security-Policy forbids scripts anyway
// (and, unless the reader asked, remote images): two locks, either is enough.

import sanitizeHtml from 'sanitize-html';

const BASE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'div',
    'span',
    'b',
    'strong',
    'i',
    'em',
    'u',
    's',
    'sub',
    'sup',
    'small',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'code',
    'hr',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'table',
    'caption',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'a',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel', 'target'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan', 'scope'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Text of dropped script and style elements is dropped with them.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head'],
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
  },
};

const WITH_IMAGES: sanitizeHtml.IOptions = {
  ...BASE,
  allowedTags: [...(BASE.allowedTags as string[]), 'img'],
  allowedAttributes: { ...BASE.allowedAttributes, img: ['src', 'alt', 'width', 'height'] },
  allowedSchemesByTag: { img: ['http', 'https'] },
};

export interface SanitizeOptions {
  /** Keep http(s) images (the reader asked to load them). Default false. */
  remoteImages?: boolean;
}

export function sanitizeMessageHtml(html: string, options: SanitizeOptions = {}): string {
  return sanitizeHtml(html, options.remoteImages ? WITH_IMAGES : BASE);
}

/** Whether a body has images that would be fetched from elsewhere, so that the reader can be offered them. */
export function hasRemoteImages(html: string): boolean {
  return /<img\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html) || /url\(\s*["']?\s*(?:https?:)?\/\//i.test(html);
}
