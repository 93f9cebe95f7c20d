"""Faust's gaps in at-least-once processing, closed here once for every agent that needs it.

faust-streaming 0.15.3 on aiokafka 0.14 processes at least once, except that:

1. An event counts as handled before its table writes are in Kafka. Faust acks it as
   soon as the agent moves on, and flushes its producer before a commit, but that flush
   gives up after 0.1 s without a send (``ProducerBuffer.flush_atmost``) and does not
   wait for a record its sender task already took off the buffer: a committed input
   whose table write was lost is never handled again. (Found by reading Faust.)
2. Faust commits the first run of consecutive acked offsets, and its check that the run
   starts at the committed offset lets one missing offset through, every one while
   nothing is committed (``Consumer._new_offset``): an event acked ahead of an earlier
   one still in flight can be committed past.
3. Around a rebalance Faust drops records it has fetched (a batch cut short when the
   flow stops, the generation changes or a partition is paused) and seeks each
   partition back to its committed offset; but aiokafka's ``seek_to_committed`` only
   seeks where the committed offset is above 0, so a partition with nothing committed
   keeps its position past the dropped records. (A worker killed before its first
   commit: the survivor skipped the first results and triggers of its new partitions.)
4. Where an offset is committed, two seeks back to it can overlap at a takeover (the
   fetcher starts one when a fetch returns while the flow is stopped, the table
   recovery the other). Records fetched between the ends of the two reach Faust's
   conductor but never the agent, and the second seek's reset of Faust's read position
   makes them a gap that Faust counts as acked and commits past. (2 of 15 runs of the
   suite, traced with extra logging: results of a killed worker's partitions never paid.)

Closed by, for the agents that fold an input into a table (rewards, leaderboard):

- ``acks``: the agent acks each event itself, once Kafka has acknowledged the table
  writes made for it, and in offset order within its partition (1, 2). So a committed
  input implies its table writes are durable.
- ``catchup``: at each assignment, the agent's new partitions are read straight from
  Kafka, from the group's committed offsets to their ends, and those records are folded
  in with each partition's first event, before that event (4, and 3). The agent's
  handling must be idempotent: what Faust hands over afterwards changes nothing.

and, for every agent, ``rewind``: Faust's seek to committed offsets also puts the
partitions with nothing committed back at offset 0 (3). Apart from processing,
``backoff``: Faust builds its Kafka clients without a retry backoff, so with the broker
gone they retried ten times a second; they wait as every other client does.

Left open: a record written after the catch-up's read and then dropped the same way
(the read starts while the recovery seeks: a window of about a tenth of a second per
rebalance), and the table-turns agent under gap 4, which has no catch-up.
"""
