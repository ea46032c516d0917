import { errorResponse } from '../../shared/http/errorResponse.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { clientScript } from './clientBundle.ts';
import { dashboardPage } from './page.ts';

/** GET / without authorizer: the page is public, its API calls carry the token. */
export const handler = withMiddleware(async () => dashboardPage(await clientScript()), { mapError: errorResponse });
