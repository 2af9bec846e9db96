// schedules/: schedule triggers — one BullMQ job scheduler per live flow, each fire ingested once.
export type { ScheduleJobData } from './schedules.js';
export { SCHEDULE_QUEUE_NAME, ScheduleQueue, startScheduleWorker, syncSchedules } from './schedules.js';
