// Three clients from another ecosystem, one command each; every result is one JSON line on stdout.
//   webhooks <app URL> <signed base URL> <auth token> <account SID> <SharedKey id> <SharedKey secret> <caller> <number>
//   enqueue <storage connection string> <queue> <message JSON> <copies>
//   events <storage connection string> <events queue> <file of example events, a JSON array>
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Twilio.Security;

return args.FirstOrDefault() switch
{
    "webhooks" when args.Length == 9 => await Webhooks.Run(args[1..]),
    "enqueue" when args.Length == 5 => await Enqueue.Run(args[1], args[2], args[3], int.Parse(args[4])),
    "events" when args.Length == 4 => await Events.Run(args[1], args[2], args[3]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: webhooks <app> <signed base> <token> <account> <key id> <key> <caller> <number> | enqueue <conn> <queue> <json> <copies> | events <conn> <queue> <file>");
    return 2;
}

static class Out
{
    public static void Line(object value) => Console.WriteLine(JsonSerializer.Serialize(value));
}

/// <summary>
/// Twilio's RequestValidator signs. The library only validates in public; its signature is computed by private
/// members (the parameters joined as Twilio joins them, then the HMAC of URL and parameters with the validator's
/// secret), reached here by reflection on the pinned version, and every signature made is confirmed by the public
/// Validate before it is sent.
/// </summary>
static class Signer
{
    const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    public static string Sign(string secret, string url, IDictionary<string, string> form, string algorithm = "HMAC_SHA1")
    {
        var validator = new RequestValidator(secret);
        var type = typeof(RequestValidator);
        var joined = type.GetMethod("GetJoinedParametersStringBuilder", Private)!.Invoke(validator, [form])!.ToString();
        var compute = type.GetMethod("GetValidationSignature", Private)!;
        foreach (var hash in type.GetMethods(Private).Where(m => m.ReturnType == typeof(byte[]) && m.GetParameters().Length == 1))
        {
            var hmac = (Func<byte[], byte[]>)Delegate.CreateDelegate(typeof(Func<byte[], byte[]>), validator, hash);
            var signature = (string)compute.Invoke(validator, [url + joined, hmac])!;
            if (validator.Validate(url, form, signature, algorithm)) return signature;
        }
        throw new InvalidOperationException($"RequestValidator made no {algorithm} signature that it validates itself");
    }
}

static class Webhooks
{
    public static async Task<int> Run(string[] a)
    {
        var (app, signedBase, token, account, keyId, sharedKey, caller, number) = (a[0].TrimEnd('/'), a[1].TrimEnd('/'), a[2], a[3], a[4], a[5], a[6], a[7]);
        using var http = new HttpClient();
        var callSid = "CA" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var voice = new Dictionary<string, string>
        {
            ["AccountSid"] = account, ["CallSid"] = callSid, ["From"] = caller, ["To"] = number,
            ["CallStatus"] = "ringing", ["Direction"] = "inbound", ["ApiVersion"] = "2010-04-01",
        };
        var sms = new Dictionary<string, string>
        {
            ["AccountSid"] = account, ["MessageSid"] = "SM" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(),
            ["From"] = caller, ["To"] = number, ["Body"] = "Hello from .NET", ["NumMedia"] = "0", ["ApiVersion"] = "2010-04-01",
        };
        var smsSignature = Signer.Sign(token, $"{signedBase}/api/sms", sms);
        var tampered = new Dictionary<string, string>(sms) { ["Body"] = "Hello from somebody else" };
        var json = JsonSerializer.Serialize(new { callSid, note = "a JSON body, signed through bodySHA256" });
        var jsonPath = $"/api/message?Message=Hi&bodySHA256={Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json))).ToLowerInvariant()}";
        var jsonSignature = Signer.Sign(token, signedBase + jsonPath, new Dictionary<string, string>());
        if (!new RequestValidator(token).Validate(signedBase + jsonPath, json, jsonSignature)) throw new InvalidOperationException("bodySHA256 not valid");
        var sharedKeySms = new Dictionary<string, string>(sms) { ["MessageSid"] = "SM" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant() };

        await Send(http, "voice signed with the auth token", $"{app}/api/voice", Form(voice), Signer.Sign(token, $"{signedBase}/api/voice", voice));
        await Send(http, "sms signed with the auth token", $"{app}/api/sms", Form(sms), smsSignature);
        await Send(http, "sms with its body changed after signing", $"{app}/api/sms", Form(tampered), smsSignature);
        await Send(http, "sms signed with another token", $"{app}/api/sms", Form(sms), Signer.Sign(token + "x", $"{signedBase}/api/sms", sms));
        await Send(http, "sms signed with the Webhooks SharedKey (HMAC-SHA256)", $"{app}/api/sms", Form(sharedKeySms),
            Signer.Sign(sharedKey, $"{signedBase}/api/sms", sharedKeySms, "HMAC_SHA256"), $"key={keyId},algorithm=HMAC_SHA256");
        await Send(http, "JSON body signed through bodySHA256", app + jsonPath, Json(json), jsonSignature);
        await Send(http, "JSON body changed after signing", app + jsonPath, Json(json.Replace("signed", "forged")), jsonSignature);
        return 0;
    }

    static HttpContent Form(IDictionary<string, string> form) => new FormUrlEncodedContent(form);

    static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    static async Task Send(HttpClient http, string name, string url, HttpContent content, string signature, string? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add("X-Twilio-Signature", signature);
        if (settings != null) request.Headers.Add("X-Twilio-Webhooks-Signature-Settings", settings);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Out.Line(new { name, status = (int)response.StatusCode, twiml = body.Contains("<Response") });
    }
}

static class Enqueue
{
    /// <summary>As the Functions output binding writes: the JSON, base64-encoded.</summary>
    public static async Task<int> Run(string connectionString, string queue, string message, int copies)
    {
        var client = new QueueClient(connectionString, queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        for (var i = 0; i < copies; i++)
        {
            var receipt = await client.SendMessageAsync(message);
            Out.Line(new { messageId = receipt.Value.MessageId });
        }
        return 0;
    }
}

static class Events
{
    /// <summary>Parses each event with the CNCF SDK's structured-mode JSON formatter, which refuses one missing a required attribute.</summary>
    public static async Task<int> Run(string connectionString, string queue, string examplesFile)
    {
        var formatter = new JsonEventFormatter();
        var client = new QueueClient(connectionString, queue);
        var peeked = await client.PeekMessagesAsync(32);
        foreach (var message in peeked.Value) Parse(formatter, "queue", message.Body.ToArray());
        using var examples = JsonDocument.Parse(await File.ReadAllTextAsync(examplesFile));
        foreach (var example in examples.RootElement.EnumerateArray()) Parse(formatter, "example", Encoding.UTF8.GetBytes(example.GetRawText()));
        return 0;
    }

    static void Parse(JsonEventFormatter formatter, string origin, byte[] body)
    {
        try
        {
            var cloudEvent = formatter.DecodeStructuredModeMessage(body, new System.Net.Mime.ContentType("application/cloudevents+json"), null);
            Out.Line(new
            {
                origin,
                valid = cloudEvent.IsValid,
                id = cloudEvent.Id,
                type = cloudEvent.Type,
                source = cloudEvent.Source?.OriginalString,
                specversion = cloudEvent.SpecVersion.VersionId,
                time = cloudEvent.Time?.ToString("o"),
                dataContentType = cloudEvent.DataContentType,
                hasData = cloudEvent.Data is not null,
            });
        }
        catch (Exception error) when (error is ArgumentException or FormatException or JsonException)
        {
            Out.Line(new { origin, valid = false, error = error.Message });
        }
    }
}
