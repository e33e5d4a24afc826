// @ts-check
/*
 * A graphql-codegen plugin (codegen.yml) writing Apollo's persisted query manifest of the
 * documents in operations/: `{ format: "apollo-persisted-query-manifest", version: 1,
 * operations: [{ id, name, type, body }] }`, by operation name. `body` is the operation with
 * the fragments it uses (from any file), sorted by name, as graphql-js prints them; `id` is the
 * sha256 of the body in hex. The gateway checks both when the manifest is registered
 * (src/graph/persisted/persisted.manifest.ts) and prints documents alike to match them.
 */
const crypto = require('node:crypto');
const { Kind, print, visit } = require('graphql');

/** @param {string} text */
const sha256 = (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/** @param {string} a @param {string} b */
const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The fragments `node` uses, and the ones they use, by name.
 * @param {import('graphql').ASTNode} node
 * @param {Map<string, import('graphql').FragmentDefinitionNode>} fragments
 * @param {Map<string, import('graphql').FragmentDefinitionNode>} used
 * @param {string} where
 */
function collect(node, fragments, used, where) {
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (used.has(name)) return;
      const fragment = fragments.get(name);
      if (!fragment) throw new Error(`${where}: fragment ${name} is defined in no document`);
      used.set(name, fragment);
      collect(fragment, fragments, used, where);
    },
  });
}

/** @type {import('@graphql-codegen/plugin-helpers').PluginFunction} */
const plugin = (_schema, documents) => {
  /** @type {Map<string, import('graphql').FragmentDefinitionNode>} */
  const fragments = new Map();
  for (const file of documents) {
    for (const definition of file.document?.definitions ?? []) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
  }
  const operations = [];
  for (const file of documents) {
    for (const definition of file.document?.definitions ?? []) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      if (!definition.name) throw new Error(`${file.location}: a persisted operation needs a name`);
      /** @type {Map<string, import('graphql').FragmentDefinitionNode>} */
      const used = new Map();
      collect(definition, fragments, used, file.location ?? 'operations');
      const sorted = [...used.values()].sort((a, b) => compare(a.name.value, b.name.value));
      const body = print({ kind: Kind.DOCUMENT, definitions: [definition, ...sorted] });
      operations.push({ id: sha256(body), name: definition.name.value, type: definition.operation, body });
    }
  }
  operations.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  return `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
};

/** @type {import('@graphql-codegen/plugin-helpers').PluginValidateFn} */
const validate = (_schema, _documents, _config, outputFile) => {
  if (!outputFile.endsWith('.json')) throw new Error(`persisted-operations writes JSON: name the output *.json, not ${outputFile}`);
};

module.exports = { plugin, validate };
