// Who may use the console.
import { declareSettings } from '../platform/declareSettings';
import { list } from '../platform/settingParsers';

export const consoleSettings = declareSettings(
  'Console',
  'shared/console/consoleSettings.ts',
  {
    CONSOLE_ADMINS: {
      description: 'Entra group object IDs or app role values (comma-separated) whose holders may use /api/console. Unset: nobody.',
      deployed: false,
      parser: list('comma-separated group object IDs and app role values'),
    },
  },
  (values, { isDevelopment }) => ({
    console: { admins: values.CONSOLE_ADMINS, isDevelopment },
  }),
);
