import { SpeechApiError } from '../../lib/errors';

interface AgoraTokenModule {
  RtcTokenBuilder: {
    buildTokenWithUid(
      appId: string,
      cert: string,
      channel: string,
      uid: number,
      role: number,
      tokenExpire: number,
      privilegeExpire: number,
    ): string;
  };
  RtcRole: { PUBLISHER: number; SUBSCRIBER: number };
}

let tokenModule: AgoraTokenModule | undefined;

/** Loaded on first use: only start nodes with an App Certificate need it. */
function agoraToken(): AgoraTokenModule {
  tokenModule ??= require('agora-token') as AgoraTokenModule;
  return tokenModule;
}

/** Token lifetimes are uint32 seconds in AccessToken2. */
const MAX_LIFETIME = 4294967295;

/**
 * An RTC token (AccessToken2, "007…") for one bot: join the channel and publish
 * audio, video and data (the subtitle bot publishes the data stream).
 * `lifetimeSeconds` counts from now, for the token and for its privileges.
 */
export function buildBotToken(
  appId: string,
  certificate: string,
  channel: string,
  uid: string | number,
  lifetimeSeconds: number,
): string {
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 1 || lifetimeSeconds > MAX_LIFETIME) {
    throw new SpeechApiError({
      vendor: 'agora',
      code: 'InvalidInput',
      message: `The token lifetime must be a whole number of seconds from 1 to ${MAX_LIFETIME}.`,
    });
  }
  // The builder answers '' without a word for a malformed App ID or certificate.
  if (!/^[0-9a-fA-F]{32}$/.test(appId)) {
    throw new SpeechApiError({
      vendor: 'agora',
      code: 'InvalidAppId',
      message: 'Cannot build bot tokens: the App ID must be 32 hexadecimal characters, as shown in Agora Console.',
    });
  }
  if (!/^[0-9a-fA-F]{32}$/.test(certificate)) {
    throw new SpeechApiError({
      vendor: 'agora',
      code: 'InvalidCertificate',
      message:
        'Cannot build bot tokens: the App Certificate must be 32 hexadecimal characters, as shown in Agora Console. Correct it in the config node, or clear it and pass the bot tokens in rtcConfig.',
    });
  }
  const { RtcTokenBuilder, RtcRole } = agoraToken();
  const token = RtcTokenBuilder.buildTokenWithUid(
    appId,
    certificate,
    channel,
    Number(uid),
    RtcRole.PUBLISHER,
    lifetimeSeconds,
    lifetimeSeconds,
  );
  if (typeof token !== 'string' || token === '') {
    throw new SpeechApiError({
      vendor: 'agora',
      code: 'InvalidCertificate',
      message:
        'agora-token could not build a bot token from this App ID and App Certificate; check both in the config node.',
    });
  }
  return token;
}
