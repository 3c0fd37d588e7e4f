import { NetpolError } from '../../errors.js';
import { otherDefinitions } from '../../repo/duplicates.js';
import { applyYamlEdits } from '../../repo/edit.js';
import { closest } from '../../repo/values.js';
import type { WriterFs } from '../../repo/write-files.js';
import { loadForAnalysis } from '../analysis/load.js';
import { checkGrantName, checkNamespaceName } from './authoring-values.js';
import { renderNamespace } from './render.js';
import { namespacesHome } from './repo-layout.js';
import { diffOfChanges, type FileChange, listInKustomization, WorkingTree } from './working-tree.js';

/** Options of {@link setNamespaceLabels}. */
export interface NamespaceSetOptions {
  /** Repository root. */
  readonly root: string;
  /** The namespace to label. */
  readonly namespace: string;
  /** Profile to set (a value of the catalogue's profile label). Default: leave the profile alone. */
  readonly profile?: string;
  /** Access grants to add (`access.<domain>/<name>: "true"`). Default: none. */
  readonly access?: readonly string[];
  /** Access grants to remove. Default: none. */
  readonly removeAccess?: readonly string[];
  /** Plan and diff only; write nothing. Default: false. */
  readonly dryRun?: boolean;
  /** The file-system calls used to write (tests inject failures). Default: `node:fs`. */
  readonly fs?: WriterFs;
}

/** One label the command changes. */
export interface LabelChange {
  readonly label: string;
  /** The value before, or null when the label was absent. */
  readonly from: string | null;
  /** The value after, or null when the label is removed. */
  readonly to: string | null;
}

/** A refusal: nothing was written (exit code 1 in the CLI). */
export interface Refusal {
  /** One sentence. */
  readonly message: string;
  readonly hint: string;
}

/** The outcome of {@link setNamespaceLabels}. */
export interface NamespaceSetResult {
  readonly namespace: string;
  /** File holding (or that will hold) the Namespace manifest, relative to the root; null on a refusal. */
  readonly file: string | null;
  /** Whether the Namespace manifest is new. */
  readonly created: boolean;
  readonly changes: readonly LabelChange[];
  /** Every file written (or, on a dry run, that would be). */
  readonly files: readonly FileChange[];
  /** Unified diff of `files`. */
  readonly diff: string;
  readonly written: boolean;
  /** Set when the request was refused; then nothing is written. */
  readonly refusal?: Refusal;
}

function refused(namespace: string, message: string, hint: string): NamespaceSetResult {
  return {
    namespace,
    file: null,
    created: false,
    changes: [],
    files: [],
    diff: '',
    written: false,
    refusal: { message, hint },
  };
}

function known(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0 ? 'none' : list.join(', ');
}

function suggestion(word: string, names: Iterable<string>): string {
  const near = closest(word, names);
  return near ? ` Did you mean "${near}"?` : '';
}

/**
 * Sets a namespace's profile and access-grant labels in the repository, the way a reviewer would by hand:
 * finds the Namespace manifest (or creates one, in the folder holding most Namespace manifests, and lists
 * it in that folder's kustomization.yaml), changes only the bytes of the labels asked for (comments, key
 * order, quoting, flow or block style, line endings, other documents and other labels stay byte for byte)
 * and writes all files or none. A manifest that is a symbolic link inside the repository is edited in its
 * target (the link stays; the diff says so); one leading outside the repository is refused.
 *
 * The catalogue decides what exists: a profile must be one the profile CCNPs select, a grant one an access
 * CCNP selects (removing a grant the namespace carries is always allowed). An unknown profile or grant, or
 * a profile on a platform namespace (seed: "never apply profiles to them"), or a Namespace defined in two
 * places (the refusal names both `file:line`), is a refusal: nothing is written.
 * @param options - See {@link NamespaceSetOptions}.
 * @returns The changes, the diff and whether it was written (or the refusal).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a bad namespace or grant name, or no change requested;
 *   `NETPOL_REPO_NOT_FOUND` for a missing root; `NETPOL_WRITE_FAILED` when the manifest cannot be edited
 *   or written (the message says what was and was not written) or is a link leading outside the repository.
 * @example
 * const r = await setNamespaceLabels({ root: '.', namespace: 'web', profile: 'standard', access: ['postgres'] });
 * process.stdout.write(r.diff);
 */
export async function setNamespaceLabels(options: NamespaceSetOptions): Promise<NamespaceSetResult> {
  const ns = options.namespace;
  checkNamespaceName(ns, 'namespace');
  const add = [...new Set(options.access ?? [])];
  const remove = [...new Set(options.removeAccess ?? [])];
  for (const g of [...add, ...remove]) checkGrantName(g, 'access grant');
  if (options.profile === undefined && add.length === 0 && remove.length === 0) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'Nothing to change: give --profile, --access or --remove-access.',
      'e.g. netpol namespace set my-app --profile standard --access postgres',
    );
  }
  const both = add.find((g) => remove.includes(g));
  if (both) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The access grant "${both}" is both added and removed.`,
      'Give it to --access or to --remove-access, not both.',
    );
  }

  const { repo, catalog, diagnostics } = await loadForAnalysis({ root: options.root });
  const existing = repo.namespaces.find((n) => n.name === ns);
  const twice = existing ? otherDefinitions(repo.root, existing.source, diagnostics) : [];
  if (existing && twice.length > 0) {
    const places = [existing.source, ...twice].map((s) => `${s.file}:${s.line}`);
    return refused(
      ns,
      `Namespace "${ns}" is defined ${places.length} times (${places.join(', ')}), so netpol does not know which definition to edit.`,
      'Keep one definition of the Namespace (delete the others), then run the command again.',
    );
  }
  const labels = existing?.labels ?? {};
  const edits: LabelChange[] = [];
  if (options.profile !== undefined) {
    if (catalog.profileLabel === null || catalog.profiles.size === 0) {
      return refused(
        ns,
        'The repository defines no profiles.',
        'Run `netpol init` to create the profile policies.',
      );
    }
    if (!catalog.profiles.has(options.profile)) {
      return refused(
        ns,
        `Unknown profile "${options.profile}"; known profiles: ${known(catalog.profiles.keys())}.${suggestion(options.profile, catalog.profiles.keys())}`,
        'Profiles are the values the profile policies select; pick one of them.',
      );
    }
    if (catalog.platformNamespaces.includes(ns)) {
      return refused(
        ns,
        `Namespace "${ns}" is a platform namespace, and platform namespaces never carry a profile.`,
        `Give it a hand-written CNP instead (netpol platform new ${ns} --metrics-port PORT); access grants are fine.`,
      );
    }
    const from = labels[catalog.profileLabel] ?? null;
    if (from !== options.profile) edits.push({ label: catalog.profileLabel, from, to: options.profile });
  }
  if (add.length > 0 || remove.length > 0) {
    const prefix = catalog.accessPrefix;
    if (prefix === null) {
      return refused(
        ns,
        'The repository defines no access grants.',
        'Run `netpol init` or `netpol access new`.',
      );
    }
    for (const g of add) {
      if (!catalog.accessGrants.has(g)) {
        return refused(
          ns,
          `Unknown access grant "${g}"; known access grants: ${known(catalog.accessGrants.keys())}.${suggestion(g, catalog.accessGrants.keys())}`,
          'Create it first with `netpol access new NAME --namespace NS --port PORT`.',
        );
      }
      const from = labels[`${prefix}${g}`] ?? null;
      if (from !== 'true') edits.push({ label: `${prefix}${g}`, from, to: 'true' });
    }
    for (const g of remove) {
      const label = `${prefix}${g}`;
      if (!catalog.accessGrants.has(g) && labels[label] === undefined) {
        return refused(
          ns,
          `Unknown access grant "${g}"; known access grants: ${known(catalog.accessGrants.keys())}.${suggestion(g, catalog.accessGrants.keys())}`,
          `Namespace "${ns}" does not carry ${label} either.`,
        );
      }
      if (labels[label] !== undefined) edits.push({ label, from: labels[label] ?? null, to: null });
    }
  }

  const tree = new WorkingTree(repo.root, options.fs);
  let file: string;
  if (existing) {
    file = existing.source.file;
    const text = tree.read(file);
    if (text === null) {
      throw new NetpolError('NETPOL_INPUT_UNREADABLE', `Cannot read "${file}".`, 'Check the file.');
    }
    if (edits.length > 0) {
      const changes = edits.map((e) => {
        const at = ['metadata', 'labels', e.label];
        return e.to === null
          ? { documentIndex: existing.documentIndex, path: at, delete: true as const }
          : { documentIndex: existing.documentIndex, path: at, value: e.to };
      });
      tree.write(file, applyYamlEdits(text, changes).text);
    }
  } else {
    if (edits.length === 0) {
      return refused(
        ns,
        `Namespace "${ns}" is not defined in the repository, so there is nothing to remove.`,
        'Check the name, or give --profile or --access to create it.',
      );
    }
    const dir = namespacesHome(repo);
    file = dir === '' ? `${ns}.yaml` : `${dir}/${ns}.yaml`;
    if (tree.exists(file)) {
      return refused(
        ns,
        `Namespace "${ns}" is not defined, but "${file}" already exists, so it is not created there.`,
        'Add the Namespace manifest by hand, or move that file.',
      );
    }
    const created = Object.fromEntries(edits.map((e) => [e.label, e.to ?? '']));
    tree.write(file, renderNamespace({ name: ns, labels: created }));
    listInKustomization(tree, file);
  }
  const files = tree.changes();
  const written = !options.dryRun && files.length > 0;
  if (written) tree.commit();
  return {
    namespace: ns,
    file,
    created: !existing,
    changes: edits,
    files,
    diff: diffOfChanges(files),
    written,
  };
}
