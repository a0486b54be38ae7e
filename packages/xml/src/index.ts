export { readXml, XmlReadError, type XmlReadLimits, type XmlRefusal } from './read.ts';
export { type XmlElement, type XmlNode, child, childrenNamed, descendants, escapeXml, ownText, path, textOf } from './tree.ts';
