// Imported first by the app entry: a bad or missing setting stops the app at load, naming the setting,
// instead of failing on the first request.
import { settings } from './settings';

settings();
