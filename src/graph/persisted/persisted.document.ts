import crypto from 'node:crypto';
import { Kind, parse, print, type DocumentNode, type FragmentDefinitionNode } from 'graphql';

/** Lowercase hex sha256 of a text, as Apollo's APQ hashes and manifest ids are. */
export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/**
 * A document as graphql-js prints it, its operations first (in their order) and then its
 * fragments sorted by name: the manifest's `body` (codegen/persisted-operations.cjs writes
 * bodies this way), and what a document sent with other whitespace, comments or fragment
 * order becomes, so that it still matches.
 */
export function canonicalDocument(document: DocumentNode): string {
  const operations = document.definitions.filter((d) => d.kind !== Kind.FRAGMENT_DEFINITION);
  const fragments = document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0));
  return print({ kind: Kind.DOCUMENT, definitions: [...operations, ...fragments] });
}

/** The sha256 of a text's canonical form, or null when it does not parse. */
export function canonicalSha256(text: string): string | null {
  try {
    return sha256(canonicalDocument(parse(text, { noLocation: true })));
  } catch {
    return null;
  }
}
