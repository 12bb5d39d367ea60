import { redirect } from 'next/navigation';
import { OverviewView } from '../components/overview/overview-view.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';

/** The graph's URL parameters: links made when the graph was the home page go on to it. */
const GRAPH_PARAMETERS = [
  'group',
  'namespace',
  'search',
  'labels',
  'port',
  'deniedOnly',
  'isolatedOnly',
  'view',
  'focus',
];

export default async function Home({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const params = await searchParams;
  if (GRAPH_PARAMETERS.some((name) => name in params)) {
    const query = new URLSearchParams(
      Object.entries(params).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((one) => [name, one]),
      ),
    );
    const group = query.get('group');
    query.delete('group');
    if (group && group !== 'auto') query.set('level', group);
    redirect(`/graph?${query}`);
  }
  return (
    <>
      <PageHeader
        title="Overview"
        description="The cluster's policies, isolation, denied traffic and agents at a glance."
      />
      <OverviewView />
    </>
  );
}
