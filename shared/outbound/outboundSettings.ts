// The outbound queue, its ledger, retention, opt-outs and how hard it may press on Twilio.
import { declareSettings } from '../platform/declareSettings';
import { ncrontab, oneOf, positiveInt, queueName, tableName } from '../platform/settingParsers';
import { OPTOUT_SCOPES } from './optOuts';

export const outboundSettings = declareSettings(
  'Outbound queue',
  'shared/outbound/outboundSettings.ts',
  {
    OUTBOUND_QUEUE: {
      description: 'Storage queue the outbound function reads.',
      default: 'twilio-outbound',
      deployed: true,
      parser: queueName,
    },
    OUTBOUND_LEDGER: {
      description: 'Table that records each outbound message once (the ledger).',
      default: 'outboundledger',
      deployed: true,
      parser: tableName,
    },
    OUTBOUND_SEND_LEASE_SECONDS: {
      description: 'How long one send attempt holds its ledger row before another may take over. Must exceed the longest Twilio request.',
      default: '300',
      deployed: false,
      parser: positiveInt,
    },
    OUTBOUND_RECONCILE_AFTER_SECONDS: {
      description: 'When a sent row without a final status is first re-checked on Twilio; later checks double, 6 in all.',
      default: '900',
      deployed: false,
      parser: positiveInt,
    },
    OUTBOUND_TEST_QUEUE_HOP_SECONDS: {
      description: 'Tests only: caps every delay put on the outbound queue (long sendAt hops, re-checks) at this many seconds.',
      deployed: false,
      developmentOnly: true,
      parser: positiveInt,
    },
    OUTBOUND_LEDGER_RETENTION_DAYS: {
      description: 'Days after their last change that final ledger rows are deleted by the ledgerRetention timer. Opt-outs stay.',
      default: '90',
      deployed: false,
      parser: positiveInt,
    },
    OUTBOUND_LEDGER_RETENTION_SCHEDULE: {
      description: 'When the ledgerRetention timer runs: {second} {minute} {hour} {day} {month} {day-of-week}, UTC.',
      default: '0 30 3 * * *',
      deployed: false,
      parser: ncrontab,
    },
    OUTBOUND_POISON_SWEEP_SCHEDULE: {
      description:
        'When the poisonSweep timer marks `poisoned` the rows whose message the host moved to the poison queue unrun. NCRONTAB, UTC.',
      default: '0 */5 * * * *',
      deployed: false,
      parser: ncrontab,
    },
    TWILIO_MAX_CONCURRENCY: {
      description: 'Most Twilio REST requests in flight across all outbound instances. Bicep derives the queue batch settings from it.',
      default: '80',
      deployed: true,
      parser: positiveInt,
    },
    OUTBOUND_MAX_INSTANCES: {
      description: 'Most instances the outbound function runs on at once (set by infra/main.bicep; 1 locally).',
      default: '1',
      deployed: true,
      parser: positiveInt,
    },
    OPTOUT_TABLE: { description: 'Table of numbers that replied STOP.', default: 'optouts', deployed: true, parser: tableName },
    OPTOUT_SCOPE: {
      description: 'Where a STOP applies: `sender` (the number or Messaging Service that got it, as Twilio does) or `global`.',
      default: 'sender',
      deployed: false,
      parser: oneOf(OPTOUT_SCOPES),
    },
  },
  (values) => ({
    outboundQueue: values.OUTBOUND_QUEUE,
    outboundLedger: values.OUTBOUND_LEDGER,
    outboundSendLeaseMs: values.OUTBOUND_SEND_LEASE_SECONDS * 1000,
    outboundReconcileAfterMs: values.OUTBOUND_RECONCILE_AFTER_SECONDS * 1000,
    /** Tests only: the longest delay put on the outbound queue, instead of 7 days. */
    outboundTestQueueHopSeconds: values.OUTBOUND_TEST_QUEUE_HOP_SECONDS,
    ledgerRetentionDays: values.OUTBOUND_LEDGER_RETENTION_DAYS,
    ledgerRetentionSchedule: values.OUTBOUND_LEDGER_RETENTION_SCHEDULE,
    poisonSweepSchedule: values.OUTBOUND_POISON_SWEEP_SCHEDULE,
    twilioMaxConcurrency: values.TWILIO_MAX_CONCURRENCY,
    outboundMaxInstances: values.OUTBOUND_MAX_INSTANCES,
    optOutTable: values.OPTOUT_TABLE,
    optOutScope: values.OPTOUT_SCOPE,
  }),
);
