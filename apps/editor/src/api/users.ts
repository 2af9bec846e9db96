// Users over HTTP (owners): list, invite (answers a one-time link), change a role, disable and enable.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { Invitation, Role, User } from './types';

export type { Invitation, Role, User };

export const usersKey = ['users'] as const;

export function listUsers(): Promise<{ items: User[] }> {
  return request('/users');
}

export function inviteUser(email: string, role: Role): Promise<Invitation> {
  return request('/users/invitations', { method: 'POST', body: { email, role } });
}

export function updateUser(id: string, change: { role?: Role; disabled?: boolean }): Promise<User> {
  return request(`/users/${id}`, { method: 'PATCH', body: change });
}

export function useUsers() {
  return useQuery({ queryKey: usersKey, queryFn: listUsers });
}
