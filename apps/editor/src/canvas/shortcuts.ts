// Keyboard shortcuts of the editor: one table drives both the handler and the help panel.
import { useEffect, useRef } from 'react';

export type ShortcutAction =
  | 'undo'
  | 'redo'
  | 'copy'
  | 'paste'
  | 'duplicate'
  | 'delete'
  | 'selectAll'
  | 'deselect'
  | 'save'
  | 'layout'
  | 'fit'
  | 'zoomIn'
  | 'zoomOut'
  | 'testRun'
  | 'help';

interface Shortcut {
  action: ShortcutAction;
  keys: string;
  description: string;
  match: (e: KeyboardEvent) => boolean;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const plain = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey;
const key = (e: KeyboardEvent) => e.key.toLowerCase();

/** Every shortcut, in the order the help panel lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  {
    action: 'undo',
    keys: 'Ctrl/⌘ + Z',
    description: 'Undo',
    match: (e) => mod(e) && !e.shiftKey && key(e) === 'z',
  },
  {
    action: 'redo',
    keys: 'Ctrl/⌘ + Shift + Z, Ctrl + Y',
    description: 'Redo',
    match: (e) => mod(e) && ((e.shiftKey && key(e) === 'z') || key(e) === 'y'),
  },
  {
    action: 'copy',
    keys: 'Ctrl/⌘ + C',
    description: 'Copy the selected nodes',
    match: (e) => mod(e) && key(e) === 'c',
  },
  { action: 'paste', keys: 'Ctrl/⌘ + V', description: 'Paste', match: (e) => mod(e) && key(e) === 'v' },
  {
    action: 'duplicate',
    keys: 'Ctrl/⌘ + D',
    description: 'Duplicate the selected nodes',
    match: (e) => mod(e) && key(e) === 'd',
  },
  {
    action: 'delete',
    keys: 'Delete, Backspace',
    description: 'Delete the selected nodes and edges',
    match: (e) => plain(e) && (e.key === 'Delete' || e.key === 'Backspace'),
  },
  {
    action: 'selectAll',
    keys: 'Ctrl/⌘ + A',
    description: 'Select every node',
    match: (e) => mod(e) && key(e) === 'a',
  },
  {
    action: 'deselect',
    keys: 'Escape',
    description: 'Clear the selection',
    match: (e) => e.key === 'Escape',
  },
  {
    action: 'save',
    keys: 'Ctrl/⌘ + S',
    description: 'Save the draft now',
    match: (e) => mod(e) && key(e) === 's',
  },
  {
    action: 'testRun',
    keys: 'Ctrl/⌘ + Enter',
    description: 'Test-run the draft',
    match: (e) => mod(e) && e.key === 'Enter',
  },
  {
    action: 'layout',
    keys: 'Shift + L',
    description: 'Auto-layout',
    match: (e) => e.shiftKey && !mod(e) && key(e) === 'l',
  },
  {
    action: 'fit',
    keys: 'Shift + F',
    description: 'Fit the flow in view',
    match: (e) => e.shiftKey && !mod(e) && key(e) === 'f',
  },
  {
    action: 'zoomIn',
    keys: '+',
    description: 'Zoom in',
    match: (e) => plain(e) && (e.key === '+' || e.key === '='),
  },
  { action: 'zoomOut', keys: '-', description: 'Zoom out', match: (e) => plain(e) && e.key === '-' },
  { action: 'help', keys: '?', description: 'Show these shortcuts', match: (e) => !mod(e) && e.key === '?' },
];

/** Also in the help panel: what React Flow does itself. */
export const POINTER_HINTS: readonly { keys: string; description: string }[] = [
  { keys: 'Click, Ctrl/⌘ + click', description: 'Select a node, add to the selection' },
  { keys: 'Shift + drag', description: 'Select an area' },
  { keys: 'Tab, Enter', description: 'Focus and select nodes with the keyboard' },
  { keys: 'Arrow keys', description: 'Move the selected nodes' },
  { keys: 'Drag from a port', description: 'Connect an output to an input' },
];

/** Shortcuts that act on the canvas selection; elsewhere (a panel, selected text) the browser keeps its keys. */
const CANVAS_ONLY: ReadonlySet<ShortcutAction> = new Set([
  'copy',
  'paste',
  'duplicate',
  'delete',
  'selectAll',
  'deselect',
]);

function onCanvas(target: EventTarget | null): boolean {
  // edges are SVG elements, nodes HTML ones
  if (!(target instanceof Element)) return false;
  return target === document.body || target.closest('.canvas') !== null;
}

function hasTextSelection(): boolean {
  const selection = window.getSelection();
  return selection !== null && !selection.isCollapsed;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('dialog')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

/** Calls `handlers[action]` for shortcuts pressed outside text fields and dialogs. */
export function useShortcuts(handlers: Partial<Record<ShortcutAction, () => void>>): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const shortcut = SHORTCUTS.find((s) => s.match(event));
      if (!shortcut) return;
      const inField = typing(event.target);
      // Ctrl+S and Ctrl+Enter also work from inside a field; the rest would steal the field's own keys
      if (inField && shortcut.action !== 'save' && shortcut.action !== 'testRun') return;
      if (CANVAS_ONLY.has(shortcut.action) && !onCanvas(event.target)) return;
      if (shortcut.action === 'copy' && hasTextSelection()) return;
      const handler = ref.current[shortcut.action];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
