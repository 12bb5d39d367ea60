import { PolicyGraph } from '../components/graph/policy-graph.tsx';

export default function Home() {
  return (
    <main>
      <h1>Policy graph</h1>
      <PolicyGraph />
    </main>
  );
}
