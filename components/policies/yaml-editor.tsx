'use client';

import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import { useEffect, useRef } from 'react';
import { fieldsAt, valuesOf } from './policy-schema.ts';
import { kindAt, pathAt } from './yaml-paths.ts';

/** A problem to show in the editor, on a 1-based line. */
export interface EditorProblem {
  readonly line: number;
  readonly message: string;
}

type MonacoApi = typeof Monaco;

/** The editor's colours in each theme: the dashboard's surfaces and text (app/globals.css), each of AA contrast on its background. */
const EDITOR_THEMES = {
  'palisade-light': {
    base: 'vs',
    background: 'ffffff',
    text: '111827',
    muted: '4b5567',
    type: '1d4ed8',
    string: 'a31515',
    number: '047857',
    keyword: '7c3aed',
  },
  'palisade-dark': {
    base: 'vs-dark',
    background: '131a2b',
    text: 'e6eaf2',
    muted: 'a3adc2',
    type: '8fb8ff',
    string: 'f3b27a',
    number: 'a7e3a0',
    keyword: 'd0a8ff',
  },
} as const;
let loading: Promise<MonacoApi> | undefined;

/** Loads Monaco once, with YAML highlighting, its worker, and NetworkPolicy completion. */
function loadMonaco(): Promise<MonacoApi> {
  loading ??= (async () => {
    (self as { MonacoEnvironment?: object }).MonacoEnvironment = {
      getWorker: () =>
        new Worker(new URL('monaco-editor/editor/editor.worker.js', import.meta.url), { type: 'module' }),
    };
    const monaco = await import('monaco-editor/editor/editor.api.js');
    // The editor's features (suggestions, hovers, find…) and YAML highlighting; no other language.
    await import('monaco-editor/features/register.all.js');
    await import('monaco-editor/languages/definitions/yaml/register.js');
    for (const [name, colour] of Object.entries(EDITOR_THEMES)) {
      monaco.editor.defineTheme(name, {
        base: colour.base,
        inherit: true,
        rules: [
          { token: '', foreground: colour.text },
          { token: 'comment', foreground: colour.muted },
          ...(['type', 'string', 'number', 'keyword'] as const).map((token) => ({
            token,
            foreground: colour[token],
          })),
        ],
        colors: {
          'editor.background': `#${colour.background}`,
          'editorLineNumber.foreground': `#${colour.muted}`,
          'editorLineNumber.activeForeground': `#${colour.text}`,
        },
      });
    }
    monaco.languages.registerCompletionItemProvider('yaml', {
      triggerCharacters: [' ', ':', '-'],
      provideCompletionItems(model, position) {
        const text = model.getValue();
        const before = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
        const word = model.getWordUntilPosition(position);
        const range = new monaco.Range(
          position.lineNumber,
          word.startColumn,
          position.lineNumber,
          word.endColumn,
        );
        const typedValue = /^(\s*(?:-\s+)?)([A-Za-z]+):\s+\S*$/.exec(before);
        const path = pathAt(
          text,
          position.lineNumber,
          typedValue ? (typedValue[1] ?? '').length + 1 : position.column,
        );
        const listItem = /^\s*-\s+\S*$/.test(before);
        const kind = kindAt(text, position.lineNumber);
        const suggestions = typedValue
          ? valuesOf(path, typedValue[2] ?? '', kind)
          : listItem && valuesOf(path.slice(0, -1), path.at(-1) ?? '', kind).length > 0
            ? valuesOf(path.slice(0, -1), path.at(-1) ?? '', kind)
            : fieldsAt(path, kind);
        return {
          suggestions: suggestions.map((suggestion) => ({
            label: suggestion.label,
            kind:
              suggestion.kind === 'field'
                ? monaco.languages.CompletionItemKind.Field
                : monaco.languages.CompletionItemKind.EnumMember,
            documentation: suggestion.doc,
            insertText: suggestion.insert,
            range,
          })),
        };
      },
    });
    return monaco;
  })();
  return loading;
}

const editorTheme = () =>
  document.documentElement.dataset.theme === 'dark' ||
  (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches)
    ? 'palisade-dark'
    : 'palisade-light';

/**
 * Monaco editing NetworkPolicy YAML: highlighting, completion of the policy's fields and of the
 * values some take, and `problems` shown inline as error markers.
 */
export function YamlEditor({
  value,
  onChange,
  problems,
  label,
}: {
  value: string;
  onChange: (value: string) => void;
  problems: readonly EditorProblem[];
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Monaco.editor.IStandaloneCodeEditor>(null);
  const monacoRef = useRef<MonacoApi>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const problemsRef = useRef(problems);
  problemsRef.current = problems;
  /**
   * Texts the editor handed up that have not come back as `value` yet. When keys come faster than
   * the page renders, a render may bring back an older one of them: it is an echo, not a change,
   * and setting it would undo the keys typed since (and put the cursor on line 1).
   */
  const echoes = useRef<string[]>([]);

  // The editor is made once per mount; later values and problems come in through the effects below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: made once, with the first value and label
  useEffect(() => {
    let disposed = false;
    const observer = new MutationObserver(() => monacoRef.current?.editor.setTheme(editorTheme()));
    void loadMonaco().then((monaco) => {
      if (disposed || !host.current) return;
      monacoRef.current = monaco;
      editor.current = monaco.editor.create(host.current, {
        value,
        language: 'yaml',
        automaticLayout: true,
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        tabSize: 2,
        theme: editorTheme(),
        renderFinalNewline: 'on',
        ariaLabel: label,
      });
      editor.current.onDidChangeModelContent(() => {
        const text = editor.current?.getValue() ?? '';
        echoes.current = [...echoes.current.slice(-99), text];
        onChangeRef.current(text);
      });
      showProblems(monaco, editor.current, problemsRef.current);
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    });
    return () => {
      disposed = true;
      observer.disconnect();
      editor.current?.dispose();
    };
  }, []);

  useEffect(() => {
    const echo = echoes.current.lastIndexOf(value);
    if (echo >= 0) {
      echoes.current = echoes.current.slice(echo + 1);
      return;
    }
    if (editor.current && editor.current.getValue() !== value) editor.current.setValue(value);
  }, [value]);

  useEffect(() => {
    if (monacoRef.current && editor.current) showProblems(monacoRef.current, editor.current, problems);
  }, [problems]);

  return (
    <div
      ref={host}
      className="h-[22rem] overflow-hidden rounded-md border border-line"
      data-testid="yaml-editor"
    />
  );
}

function showProblems(
  monaco: MonacoApi,
  editor: Monaco.editor.IStandaloneCodeEditor,
  problems: readonly EditorProblem[],
): void {
  const model = editor.getModel();
  if (!model) return;
  monaco.editor.setModelMarkers(
    model,
    'palisade',
    problems.map((problem) => ({
      severity: monaco.MarkerSeverity.Error,
      message: problem.message,
      startLineNumber: problem.line,
      endLineNumber: problem.line,
      startColumn: model.getLineFirstNonWhitespaceColumn(problem.line) || 1,
      endColumn: model.getLineMaxColumn(problem.line),
    })),
  );
}
