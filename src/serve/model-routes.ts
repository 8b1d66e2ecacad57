/**
 * GET /v1/models and GET /v1/models/{id} for a server that serves one model: the classifier
 * servers and the demo's extract teacher list their model the same way, so clients that probe
 * the listing before calling (the openai client, LangChain) work with each.
 */
import { HttpError, sendJson, type Route } from './http.js';

/** The model a server lists. */
export interface ServedModel {
  /** The model name clients must send. */
  modelName: string;
  /** `owned_by` in the listing; default 'distillery'. */
  ownedBy?: string;
}

/** A URL path segment decoded, or a 400 when its percent-encoding is broken. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `the path segment "${segment}" is not valid percent-encoding`, { code: 'invalid_path' });
  }
}

/** The two model-listing routes for `model` (the list, and one model by id with a 404 for any other). */
export function modelRoutes(model: ServedModel): Route[] {
  const created = Math.floor(Date.now() / 1000);
  const modelObject = { id: model.modelName, object: 'model', created, owned_by: model.ownedBy ?? 'distillery' };
  return [
    { method: 'GET', path: '/v1/models', handler: (_request, response) => sendJson(response, 200, { object: 'list', data: [modelObject] }) },
    {
      method: 'GET',
      path: '/v1/models/',
      handler: (_request, response, path) => {
        const id = decodedSegment(path.slice('/v1/models/'.length));
        if (id !== model.modelName) throw new HttpError(404, `the model "${id}" does not exist here; this server serves "${model.modelName}"`, { param: 'model', code: 'model_not_found' });
        sendJson(response, 200, modelObject);
      },
    },
  ];
}
