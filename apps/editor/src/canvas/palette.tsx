// The node palette: searchable, grouped by category; drag an entry onto the canvas or press Enter to add it.
import { Search } from 'lucide-react';
import { type DragEvent, useMemo, useState } from 'react';
import type { NodeCatalogue } from '../api/node-types';
import type { NodeCategory, NodeTypeInfo } from '../api/types';
import { NodeIcon } from '../ui/node-icon';

/** The drag-and-drop payload type of a palette entry. */
export const PALETTE_MIME = 'application/x-tributary-node-type';

const GROUPS: { category: NodeCategory; title: string }[] = [
  { category: 'trigger', title: 'Triggers' },
  { category: 'logic', title: 'Logic' },
  { category: 'action', title: 'Actions' },
];

function matches(item: NodeTypeInfo, words: string[]): boolean {
  const text = `${item.title} ${item.type} ${item.description}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

interface PaletteProps {
  catalogue: NodeCatalogue;
  disabled: boolean;
  onAdd: (type: string) => void;
}

export function Palette({ catalogue, disabled, onAdd }: PaletteProps) {
  const [search, setSearch] = useState('');
  const query = search.toLowerCase().trim();
  const groups = useMemo(() => {
    const words = query.split(/\s+/).filter(Boolean);
    return GROUPS.map((group) => ({
      ...group,
      items: [...catalogue.values()].filter((t) => t.category === group.category && matches(t, words)),
    }));
  }, [catalogue, query]);
  const onDragStart = (event: DragEvent<HTMLElement>, type: string) => {
    event.dataTransfer.setData(PALETTE_MIME, type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  const empty = groups.every((g) => g.items.length === 0);
  return (
    <aside className="palette" aria-label="Node palette">
      <label className="palette-search">
        <Search size={14} aria-hidden="true" />
        <input
          type="search"
          placeholder="Search nodes"
          aria-label="Search nodes"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </label>
      {empty ? <p className="muted palette-empty">No node matches “{search}”.</p> : null}
      {groups.map((group) =>
        group.items.length === 0 ? null : (
          <section key={group.category} className="palette-group" aria-label={group.title}>
            <h3>{group.title}</h3>
            <ul>
              {group.items.map((item) => (
                <li key={item.type}>
                  <button
                    type="button"
                    className={`palette-item kind-${item.category}`}
                    draggable={!disabled}
                    disabled={disabled}
                    data-node-type={item.type}
                    onDragStart={(e) => onDragStart(e, item.type)}
                    onClick={() => onAdd(item.type)}
                    title={`${item.description}\nDrag onto the canvas, or press Enter to add.`}
                    aria-label={item.title}
                    aria-describedby={`palette-${item.type}`}
                  >
                    <span className="palette-icon">
                      <NodeIcon name={item.icon} />
                    </span>
                    <span className="palette-text">
                      <span className="palette-title">{item.title}</span>
                      <span className="palette-description" id={`palette-${item.type}`}>
                        {item.description}
                      </span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ),
      )}
    </aside>
  );
}
