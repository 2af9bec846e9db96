// Invitation e-mails through the instance's SMTP server (TRIBUTARY_SMTP_URL), when one is configured.

/** Where and as whom invitations are sent. */
export interface MailSettings {
  smtpUrl: string;
  from: string;
}

/** Sends the invitation link to `to`; rejects with the server's reason when it refuses. */
export async function sendInvitationMail(
  settings: MailSettings,
  message: { to: string; link: string; role: string; expiresAt: Date; invitedBy: string },
): Promise<void> {
  // loaded on first use: an instance that sends no invitations never holds the library
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(settings.smtpUrl);
  try {
    await transport.sendMail({
      from: settings.from,
      to: message.to,
      subject: 'You are invited to Tributary',
      text: [
        `${message.invitedBy} invited you to Tributary as ${/^[aeiou]/.test(message.role) ? 'an' : 'a'} ${message.role}.`,
        '',
        `Set your password here: ${message.link}`,
        '',
        `The link works once, until ${message.expiresAt.toUTCString()}.`,
      ].join('\n'),
    });
  } finally {
    transport.close();
  }
}
