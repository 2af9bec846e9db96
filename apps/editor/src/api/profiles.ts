// People over HTTP: profiles found by id or trait, and one profile with its recent events.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { Profile, ProfileSummary } from './types';

export function searchProfiles(q: string): Promise<{ items: ProfileSummary[] }> {
  const search = new URLSearchParams({ limit: '50' });
  if (q) search.set('q', q);
  return request(`/profiles?${search.toString()}`);
}

export function getProfile(id: string): Promise<Profile> {
  return request(`/profiles/${encodeURIComponent(id)}?events=50`);
}

export function useProfileSearch(q: string) {
  return useQuery({
    queryKey: ['profiles', q] as const,
    queryFn: () => searchProfiles(q),
    // the last answer stays on screen while the next search runs
    placeholderData: keepPreviousData,
  });
}

export function useProfile(id: string | null) {
  return useQuery({
    queryKey: ['profile', id] as const,
    queryFn: () => getProfile(id ?? ''),
    enabled: id !== null,
  });
}
