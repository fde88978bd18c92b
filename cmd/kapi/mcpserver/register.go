package mcpserver

import (
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
)

// register adds every tool. It is the one list of what the MCP surface offers,
// with each tool's admission as REST's routes have it: knowledge reads need
// knowledge:read, use one quota unit when they succeed and are refused to
// inactive accounts; feed tools check the account but use no unit; get_usage
// only needs its scope. Every call counts against the per-minute limit.
func (s *server) register(ms *mcp.Server) {
	knowledgeRead := auth.Check{Scope: "knowledge:read", Counted: true, Account: true}
	feedsRead := auth.Check{Scope: "feeds:read", Account: true}
	feedsWrite := auth.Check{Scope: "feeds:write", Account: true}
	usageRead := auth.Check{Scope: "usage:read"}
	addTool(s, ms, toolSpec{name: "search_knowledge", title: "Search knowledge", check: knowledgeRead, readOnly: true,
		description: "Search the knowledge entries of a subscribed feed (or of all of them with feed \"all\") " +
			"for a question or keywords. Use it first to answer a question from the curated knowledge. " +
			"Returns the best entries (title, content, category, confidence, source), whether more exist, " +
			"and the feeds searched. Uses one unit of the monthly quota."}, s.searchKnowledge)
	addTool(s, ms, toolSpec{name: "get_recent_knowledge", title: "Recent knowledge", check: knowledgeRead, readOnly: true,
		description: "List the entries added or updated recently (the last 7 days unless days or since say otherwise), " +
			"newest first. Use it to learn what changed in a feed. Returns the entries, the total that match and the " +
			"feeds read. Uses one unit of the monthly quota."}, s.recentKnowledge)
	addTool(s, ms, toolSpec{name: "get_category_summary", title: "Category summary", check: knowledgeRead, readOnly: true,
		description: "Summarise what a feed covers: its categories with the number of entries in each. Use it to " +
			"choose categories for search_knowledge. Uses one unit of the monthly quota."}, s.categorySummary)
	addTool(s, ms, toolSpec{name: "list_feeds", title: "List feeds", check: feedsRead, readOnly: true,
		description: "List the knowledge feeds this account may read: public feeds, its own private feeds and those " +
			"granted to it, with id, slug, name, description, categories, visibility, entry count and this " +
			"account's subscription. Use it to find the feed to name in the other tools or to subscribe to. " +
			"Uses no quota."}, s.listFeeds)
	addTool(s, ms, toolSpec{name: "get_knowledge", title: "Get an entry", check: knowledgeRead, readOnly: true,
		description: "Fetch one knowledge entry in full by its id and feed (both as returned by search_knowledge). " +
			"Uses one unit of the monthly quota."}, s.getKnowledge)
	addTool(s, ms, toolSpec{name: "subscribe_feed", title: "Subscribe to a feed", check: feedsWrite,
		description: "Subscribe this account to a published feed it may read (public, its own, or granted to it) " +
			"so its entries can be searched. Needs an API key " +
			"with the feeds:write scope. Subscribing again changes nothing. Returns the feed with the subscription. " +
			"Uses no quota."}, s.subscribeFeed)
	addTool(s, ms, toolSpec{name: "get_usage", title: "Usage", check: usageRead, readOnly: true,
		description: "Show this key's monthly usage: queries used, the limit, what remains, the period and the " +
			"tier. Uses no quota."}, s.getUsage)
}
