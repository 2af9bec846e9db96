// Lucide icons by the names the node catalogue uses; unknown names get a neutral box.
import {
  Box,
  CalendarClock,
  ChartColumn,
  Clock,
  Filter,
  GitBranch,
  Globe,
  Hourglass,
  ListTree,
  type LucideIcon,
  Merge,
  OctagonX,
  Pencil,
  Play,
  Radio,
  Send,
  Split,
  Webhook,
} from 'lucide-react';

const ICONS: Record<string, LucideIcon> = {
  webhook: Webhook,
  radio: Radio,
  'calendar-clock': CalendarClock,
  play: Play,
  pencil: Pencil,
  'git-branch': GitBranch,
  split: Split,
  filter: Filter,
  'list-tree': ListTree,
  merge: Merge,
  clock: Clock,
  hourglass: Hourglass,
  'chart-column': ChartColumn,
  'octagon-x': OctagonX,
  globe: Globe,
  send: Send,
};

export function NodeIcon({ name, size = 16 }: { name: string | undefined; size?: number }) {
  const Icon = (name && ICONS[name]) || Box;
  return <Icon size={size} aria-hidden="true" />;
}
