// Lucide icons by the names the node catalogue uses; unknown names get a neutral box.
import {
  Box,
  Building2,
  CalendarClock,
  ChartColumn,
  Clock,
  Filter,
  GitBranch,
  Globe,
  Hourglass,
  ListTree,
  type LucideIcon,
  Mail,
  Merge,
  MessageCircle,
  MessageSquare,
  OctagonX,
  Pencil,
  Play,
  Radio,
  Send,
  Siren,
  Split,
  Users,
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
  siren: Siren,
  mail: Mail,
  'message-square': MessageSquare,
  'message-circle': MessageCircle,
  users: Users,
  'building-2': Building2,
};

export function NodeIcon({ name, size = 16 }: { name: string | undefined; size?: number }) {
  const Icon = (name && ICONS[name]) || Box;
  return <Icon size={size} aria-hidden="true" />;
}
