// The outbound policy: what a destination or webhook URL may point at, and
// that the check holds for the address actually dialled (a name resolving to
// a refused address is refused at connect time, whatever it looked like
// when it was saved: DNS rebinding).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { checkedConnector, classifyAddress, outboundPolicyFrom, STRICT, urlRefusal } from './outbound-policy';
import { credentialHostAllowed, hostMatches } from './provider-hosts';

const LOCAL = outboundPolicyFrom('loopback');

describe('outbound policy', () => {
  it('classifies addresses, IPv4-mapped IPv6 included', () => {
    assert.equal(classifyAddress('169.254.169.254'), 'metadata');
    assert.equal(classifyAddress('fd00:ec2::254'), 'metadata');
    assert.equal(classifyAddress('169.254.10.1'), 'link-local or reserved');
    assert.equal(classifyAddress('fe80::1'), 'link-local or reserved');
    assert.equal(classifyAddress('0.0.0.0'), 'link-local or reserved');
    assert.equal(classifyAddress('127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::1'), 'loopback');
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
    assert.equal(classifyAddress('::ffff:a9fe:a9fe'), 'metadata');
    assert.equal(classifyAddress('10.1.2.3'), 'private');
    assert.equal(classifyAddress('192.168.0.1'), 'private');
    assert.equal(classifyAddress('fd12::1'), 'private');
    assert.equal(classifyAddress('8.8.8.8'), 'public');
  });

  it('refuses other schemes, metadata and link-local always, loopback and private unless allowed', () => {
    const refused = [
      'file:///etc/passwd',
      'gopher://127.0.0.1:6379/_INFO',
      'ftp://example.com/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.GOOGLE.INTERNAL./',
      'http://169.254.1.1/',
      'http://[::ffff:169.254.169.254]/',
      'http://user:pass@api.example.com/',
    ];
    for (const url of refused) {
      assert.ok(urlRefusal(url, LOCAL), `${url} refused even with loopback allowed`);
      assert.ok(urlRefusal(url, outboundPolicyFrom('loopback,private')), `${url} refused with everything allowed`);
    }
    for (const url of ['http://127.0.0.1:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://localhost:9/', 'http://a.localhost/', 'http://[::1]/']) {
      assert.match(urlRefusal(url, STRICT) ?? '', /loopback/, `${url} is loopback`);
      assert.equal(urlRefusal(url, LOCAL), undefined, `${url} allowed with loopback allowed`);
    }
    assert.match(urlRefusal('http://10.0.0.5/v1', LOCAL) ?? '', /private/);
    assert.equal(urlRefusal('http://10.0.0.5/v1', outboundPolicyFrom('private')), undefined);
    assert.equal(urlRefusal('https://api.openai.com/v1', STRICT), undefined);
    assert.throws(() => outboundPolicyFrom('everything'), /not one of loopback, private/);
  });

  describe('at connect time', () => {
    let server: http.Server;
    let port: number;
    before(async () => {
      server = http.createServer((_req, res) => res.end('reached'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => server.close());

    const get = (url: string, policy = STRICT) => request(url, { dispatcher: new Agent({ connect: checkedConnector(policy) }) }).then((r) => r.body.text());

    it('a name that resolves to a refused address is refused when dialled (the saved URL looked harmless)', async () => {
      // `localhost` stands for any name an attacker points at an internal address after it was saved.
      await assert.rejects(get(`http://localhost:${port}/`), /resolves to 127\.0\.0\.1 is a loopback address/);
      await assert.rejects(get(`http://127.0.0.1:${port}/`), /loopback address/);
      assert.equal(await get(`http://localhost:${port}/`, LOCAL), 'reached', 'allowed where the operator allows loopback');
    });

    it('a metadata name is refused before any lookup', async () => {
      await assert.rejects(get('http://metadata.google.internal/', outboundPolicyFrom('loopback,private')), /cloud metadata service/);
    });
  });
});

describe('credential hosts', () => {
  it("a provider's own hosts by default; others only when the secret lists them", () => {
    assert.ok(hostMatches('*.openai.azure.com', 'my-resource.openai.azure.com'));
    assert.ok(!hostMatches('*.openai.azure.com', 'evil.com'));
    assert.ok(!hostMatches('*.openai.azure.com', 'a.b.openai.azure.com'), '* is one label');
    assert.ok(credentialHostAllowed('openai', undefined, 'api.openai.com'));
    assert.ok(credentialHostAllowed('openai', undefined, 'API.OPENAI.COM.'));
    assert.ok(!credentialHostAllowed('openai', undefined, 'attacker.example'));
    assert.ok(credentialHostAllowed('openai', ['proxy.corp.example'], 'proxy.corp.example'));
    assert.ok(credentialHostAllowed('bedrock', undefined, 'bedrock-runtime.eu-west-1.amazonaws.com'));
    assert.ok(!credentialHostAllowed('openai-compatible', undefined, 'api.groq.com'), 'self-hosted providers have no default host');
    assert.ok(!credentialHostAllowed('anthropic', undefined, 'api.openai.com'), "one provider's key never goes to another provider");
  });
});
