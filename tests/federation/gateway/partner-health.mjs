// A second partner subgraph (卫生健康: health commission) that keeps yibao's subject ids on its watchlist, so
// it joins yibao's Subject by `id` in both directions.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const gql = (strings) => parse(strings.join(''));

const data = JSON.parse(process.env.PARTNER_DATA || '{"watchlist": [], "licences": {}}');

const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])

  type Query { watchlist: [WatchEntry!]! }
  type WatchEntry { note: String! subject: Subject }
  type Subject @key(fields: "id") { id: ID! practiceLicence: String }
`;

const resolvers = {
  Query: { watchlist: () => data.watchlist.map((w) => ({ note: w.note, subject: { id: w.subjectId } })) },
  Subject: {
    __resolveReference: (ref) => ({ id: ref.id }),
    practiceLicence: (s) => data.licences[s.id] ?? null,
  },
};

const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(process.env.PORT) } });
console.log(`partner-health ready at ${url}`);
