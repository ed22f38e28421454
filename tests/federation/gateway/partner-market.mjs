// A partner team's subgraph (市场监管: market regulation), as another agency would write it. It knows
// enterprises by unified social credit code, so it joins yibao's Subject by `code`, declares the common
// `PageInfo @shareable` and its own `Region.name`. Its data comes from PARTNER_DATA (JSON) so the pytest
// test can hand it the codes it created.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const gql = (strings) => parse(strings.join(''));

const data = JSON.parse(process.env.PARTNER_DATA || '{"enterprises": []}');
const byUscc = new Map(data.enterprises.map((e) => [e.uscc, e]));

const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key", "@shareable"])

  type Query {
    enterprise(uscc: String!): Enterprise
    enterprises(first: Int = 10): EnterprisePage!
  }
  type Enterprise @key(fields: "uscc") {
    uscc: String!
    licenceNo: String!
    creditSubject: Subject
    publicProfile: PublicInstitution
    region: Region
  }
  type EnterprisePage { nodes: [Enterprise!]! pageInfo: PageInfo! }
  type PageInfo @shareable { hasNextPage: Boolean! endCursor: String }
  type Region @key(fields: "code") { code: ID! name: String! @shareable }
  type Subject @key(fields: "code") { code: String! marketLicence: String }
  type PublicInstitution @key(fields: "unifiedSocialCreditCode") { unifiedSocialCreditCode: String! marketLicence: String }
`;

const enterprise = (e) => e && { ...e };
const resolvers = {
  Query: {
    enterprise: (_, { uscc }) => enterprise(byUscc.get(uscc)),
    enterprises: (_, { first }) => {
      const nodes = data.enterprises.slice(0, first);
      return { nodes, pageInfo: { hasNextPage: data.enterprises.length > first, endCursor: nodes.at(-1)?.uscc ?? null } };
    },
  },
  Enterprise: {
    __resolveReference: (ref) => enterprise(byUscc.get(ref.uscc)),
    creditSubject: (e) => ({ code: e.uscc }),
    publicProfile: (e) => ({ unifiedSocialCreditCode: e.uscc }),
    region: (e) => ({ code: e.regionCode, name: e.regionName }),
  },
  Region: { __resolveReference: (ref) => ({ code: ref.code, name: data.regionNames?.[ref.code] ?? '' }) },
  Subject: {
    __resolveReference: (ref) => ({ code: ref.code }),
    marketLicence: (s) => byUscc.get(s.code)?.licenceNo ?? null,
  },
  PublicInstitution: {
    marketLicence: (s) => byUscc.get(s.unifiedSocialCreditCode)?.licenceNo ?? null,
  },
};

const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(process.env.PORT) } });
console.log(`partner-market ready at ${url}`);
