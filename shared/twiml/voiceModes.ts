// What the voice webhook can do with a call: VOICE_MODE and VOICE_CLOSED_MODE, and the mode events report. Pure.

export const VOICE_MODES = ['message', 'forward', 'voicemail', 'menu', 'queue', 'client', 'assistant'] as const;
export type VoiceMode = (typeof VOICE_MODES)[number];

/** How the voice webhook handled a call, as twilio.call.received reports it: the mode that routed it, or rejected. */
export const CALL_ROUTES = [...VOICE_MODES, 'rejected'] as const;
export type CallRoute = (typeof CALL_ROUTES)[number];
