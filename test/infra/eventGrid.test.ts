// The optional Event Grid topic (infra/app/event-grid.bicep): created only on request, no local auth, and the
// app's identity may publish to it and nothing more; the app is told its endpoint.
import { deployments, loadMainTemplate, onlyResource, resolve } from './armTemplate';

const template = loadMainTemplate();
const topic = onlyResource(template, 'Microsoft.EventGrid/topics');
const moduleResource = () => {
  const resources = template.resources as Record<string, { condition?: string; properties?: { template?: unknown } }>;
  return resources[topic.deployment.symbol];
};
const settingsOf = () => {
  const deployment = deployments(template).find((d) => 'appSettings' in d.passed)!;
  return deployment.passed.appSettings as Record<string, string>;
};

test('the topic is created only when the createEventGridTopic parameter is true, which it is not by default', () => {
  expect(template.parameters?.createEventGridTopic).toMatchObject({ type: 'bool', defaultValue: false });
  expect(moduleResource().condition).toBe("[parameters('createEventGridTopic')]");
});

test('takes CloudEvents 1.0 and has local auth (keys and SAS) disabled', () => {
  expect(topic.resource.properties).toMatchObject({ inputSchema: 'CloudEventSchemaV1_0', disableLocalAuth: true });
});

test("gives the app's identity the EventGrid Data Sender role on the topic alone", () => {
  const [assignment] = Object.values(topic.deployment.template.resources).filter(
    (r) => (r as { type: string }).type === 'Microsoft.Authorization/roleAssignments',
  ) as Array<{ scope?: string; properties?: Record<string, string> }>;
  expect(assignment.scope).toBe("[resourceId('Microsoft.EventGrid/topics', parameters('name'))]");
  expect(assignment.properties?.roleDefinitionId).toContain('d5a91429-5739-47e2-a06b-3470a27159e7');
  expect(assignment.properties?.principalType).toBe('ServicePrincipal');
  expect(resolve(topic.deployment, assignment.properties?.principalId).value).toMatch(/outputs\.principalId\.value/);
});

test("EVENT_GRID_TOPIC_ENDPOINT is the topic's endpoint when it is created, empty otherwise; EVENTS_QUEUE comes from its parameter", () => {
  const settings = settingsOf();
  expect(settings.EVENT_GRID_TOPIC_ENDPOINT).toBe(
    `[if(parameters('createEventGridTopic'), reference('${topic.deployment.symbol}').outputs.endpoint.value, '')]`,
  );
  expect(settings.EVENTS_QUEUE).toBe("[parameters('eventsQueueName')]");
  expect(template.parameters?.eventsQueueName).toMatchObject({ type: 'string', defaultValue: 'twilio-events' });
});
