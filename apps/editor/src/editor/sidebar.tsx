// The editor's right-hand side: the selected node, test runs, runs, versions and dead letters, as tabs.
import type { ReactNode } from 'react';

export type SidebarTab = 'node' | 'test' | 'runs' | 'versions' | 'dead-letters';

const TABS: { id: SidebarTab; label: string }[] = [
  { id: 'node', label: 'Inspect' },
  { id: 'test', label: 'Test' },
  { id: 'runs', label: 'Runs' },
  { id: 'versions', label: 'Versions' },
  { id: 'dead-letters', label: 'Dead letters' },
];

interface SidebarProps {
  tab: SidebarTab;
  onTab: (tab: SidebarTab) => void;
  children: ReactNode;
}

export function Sidebar({ tab, onTab, children }: SidebarProps) {
  return (
    <aside className="sidebar" aria-label="Side panel">
      <div className="tabs sidebar-tabs" role="tablist" aria-label="Side panel sections">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`sidebar-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls="sidebar-tabpanel"
            className={tab === t.id ? 'tab is-active' : 'tab'}
            onClick={() => onTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        className="sidebar-body"
        role="tabpanel"
        id="sidebar-tabpanel"
        aria-labelledby={`sidebar-tab-${tab}`}
      >
        {children}
      </div>
    </aside>
  );
}
